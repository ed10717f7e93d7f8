import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUBSCRIPTIONS } from '@soc/contracts';
import { containmentLink } from '@soc/outbound';
import type { ServiceModule } from '@soc/platform';
import { ChatByChannel } from './adapters/chat-by-channel.ts';
import { FetchWebhookTransport } from './adapters/fetch-webhook-transport.ts';
import { LedgeredChatPoster } from './adapters/ledgered-chat-poster.ts';
import { OutboxChatPoster } from './adapters/outbox-mailer.ts';
import { SlackChatPoster } from './adapters/slack/slack-chat-poster.ts';
import { ClientSecretBotCredential } from './adapters/teams/bot-credential.ts';
import { TeamsChatPoster } from './adapters/teams/teams-chat-poster.ts';
import { StateCaseGroupStore } from './adapters/state-group-store.ts';
import { CHAT_POST_LEDGER_COLLECTION, StateSentLedger } from './adapters/state-sent-ledger.ts';
import { StateWebhookLedger } from './adapters/state-webhook-ledger.ts';
import { NotificationConfig } from './config.ts';
import { makeNotificationHandler } from './handler.ts';
import { type MailerDeps, openMailer } from './open-mailer.ts';
import { makeWebhookHandler } from './webhooks/handler.ts';

/**
 * Composition of the notification service: e-mail by `NOTIFY_EMAIL_TRANSPORT` (embedded default: the outbox), Slack
 * when a bot token is configured, Teams when destinations are configured (other chat to the outbox), outbound webhooks when subscribers are configured.
 * `deps` are the seams of tests (a fixed Graph credential); production passes none.
 */
export function makeNotificationService(deps: MailerDeps = {}): ServiceModule<NotificationConfig> {
  return {
    name: 'notification',
    config: NotificationConfig,
    async start(platform, config) {
      const dir = config.NOTIFY_OUTBOX_DIR ?? join(platform.env.SOC_DATA_DIR, 'outbox');
      const mail = await openMailer(config, platform, dir, deps);
      const slackToken = config.SLACK_BOT_TOKEN ?? (config.SLACK_BOT_TOKEN_FILE !== undefined ? secretFile(config.SLACK_BOT_TOKEN_FILE, 'SLACK_BOT_TOKEN_FILE') : undefined);
      // Slack posts a new message on every chat.postMessage: a claim in the state store keeps a redelivery that
      // overlaps the first attempt from posting a second card (the lease is the bus lock, as for e-mail).
      const slack =
        slackToken !== undefined
          ? new LedgeredChatPoster(
              new SlackChatPoster({ token: slackToken, channels: config.SLACK_CHANNELS, apiUrl: config.SLACK_API_URL }),
              new StateSentLedger(platform.state, { now: () => platform.clock.now(), leaseMs: platform.env.BUS_LOCK_DURATION_MS, collection: CHAT_POST_LEDGER_COLLECTION }),
              { onInDoubt: (key, claimedAt) => platform.log.warn({ idempotencyKey: key, claimedAt }, 'an earlier post of this chat card has no known outcome: posting again (a duplicate beats a lost card)') },
            )
          : undefined;
      // The Bot Connector has no idempotency key either: the same claim keeps a Teams card from being posted twice.
      const teamsPoster = config.teams.size > 0 ? teamsPosterOf(config, platform.env.SOC_PUBLIC_URL) : undefined;
      const teams = teamsPoster && new LedgeredChatPoster(teamsPoster, new StateSentLedger(platform.state, { now: () => platform.clock.now(), leaseMs: platform.env.BUS_LOCK_DURATION_MS, collection: CHAT_POST_LEDGER_COLLECTION }));
      const consumer = platform.bus.subscribe(
        { subscription: SUBSCRIPTIONS.notification.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
        makeNotificationHandler({
          mailer: mail.mailer,
          chat: new ChatByChannel({ ...(slack ? { slack } : {}), ...(teams ? { teams } : {}) }, new OutboxChatPoster({ dir })),
          groups: new StateCaseGroupStore(platform.state),
          clock: platform.clock,
          publicUrl: platform.env.SOC_PUBLIC_URL,
          count: (channel, destination, outcome) => platform.metrics.outboundDeliveries.inc({ service: 'notification', channel, destination, outcome }),
          publish: (events) => platform.bus.publish(events),
        }),
      );
      // Always consumed (with no subscribers each event completes at once), so the subscription never piles up.
      const webhooks = platform.bus.subscribe(
        { subscription: SUBSCRIPTIONS.notificationWebhooks.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
        makeWebhookHandler({
          subscribers: config.webhooks,
          transport: new FetchWebhookTransport(),
          ledger: new StateWebhookLedger(platform.state),
          clock: platform.clock,
          log: platform.log,
          count: (destination, outcome) => platform.metrics.outboundDeliveries.inc({ service: 'notification', channel: 'webhook', destination, outcome }),
        }),
      );
      if (config.webhooks.length > 0) platform.log.info({ subscribers: config.webhooks.map((s) => s.name) }, 'outbound webhooks configured');
      return {
        close: async () => {
          await Promise.all([consumer.close(), webhooks.close()]);
          mail.close();
        },
      };
    },
  };
}

/** The notification service as `npm start` runs it. */
export const notificationService: ServiceModule<NotificationConfig> = makeNotificationService();

/** The Teams poster of the configured destinations; the bot credential only when a destination is a bot conversation. */
function teamsPosterOf(config: NotificationConfig, publicUrl: string): TeamsChatPoster {
  const appPassword = config.TEAMS_BOT_APP_PASSWORD ?? (config.TEAMS_BOT_APP_PASSWORD_FILE !== undefined ? readFileSync(config.TEAMS_BOT_APP_PASSWORD_FILE, 'utf8').trim() : undefined);
  if (config.TEAMS_BOT_APP_PASSWORD_FILE !== undefined && appPassword === '') throw new Error('TEAMS_BOT_APP_PASSWORD_FILE is empty');
  const credential =
    config.TEAMS_BOT_APP_ID !== undefined && appPassword !== undefined
      ? new ClientSecretBotCredential({ appId: config.TEAMS_BOT_APP_ID, appPassword, tenant: config.TEAMS_BOT_TENANT_ID, loginUrl: config.TEAMS_LOGIN_URL })
      : undefined;
  return new TeamsChatPoster({ destinations: config.teams, ...(credential ? { credential } : {}), approvalUrl: (a) => containmentLink(publicUrl, a.requestId) });
}

/** A secret from a mounted file, trimmed; the start stops when it is empty or not a bot token (the value is never shown). */
function secretFile(path: string, name: string): string {
  const value = readFileSync(path, 'utf8').trim();
  if (!value.startsWith('xoxb-')) throw new Error(`${name}: the file does not hold a Slack bot token (xoxb-…)`);
  return value;
}
