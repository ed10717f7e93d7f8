import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { ChatByChannel } from './adapters/chat-by-channel.ts';
import { OutboxChatPoster, OutboxMailer } from './adapters/outbox-mailer.ts';
import { SlackChatPoster } from './adapters/slack/slack-chat-poster.ts';
import { NotificationConfig } from './config.ts';
import { makeNotificationHandler } from './handler.ts';

/** Composition of the notification service (embedded default: outbox transports). */
export const notificationService: ServiceModule<NotificationConfig> = {
  name: 'notification',
  config: NotificationConfig,
  async start(platform, config) {
    const dir = config.NOTIFY_OUTBOX_DIR ?? join(platform.env.SOC_DATA_DIR, 'outbox');
    const slackToken = config.SLACK_BOT_TOKEN ?? (config.SLACK_BOT_TOKEN_FILE !== undefined ? secretFile(config.SLACK_BOT_TOKEN_FILE, 'SLACK_BOT_TOKEN_FILE') : undefined);
    const slack = slackToken !== undefined ? new SlackChatPoster({ token: slackToken, channels: config.SLACK_CHANNELS, apiUrl: config.SLACK_API_URL }) : undefined;
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.notification.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeNotificationHandler({
        mailer: new OutboxMailer({ dir, from: config.NOTIFY_FROM, now: () => platform.clock.now() }),
        chat: new ChatByChannel({ ...(slack ? { slack } : {}) }, new OutboxChatPoster({ dir })),
        clock: platform.clock,
        publicUrl: platform.env.SOC_PUBLIC_URL,
      }),
    );
    return { close: () => consumer.close() };
  },
};

/** A secret from a mounted file, trimmed; the start stops when it is empty or not a bot token (the value is never shown). */
function secretFile(path: string, name: string): string {
  const value = readFileSync(path, 'utf8').trim();
  if (!value.startsWith('xoxb-')) throw new Error(`${name}: the file does not hold a Slack bot token (xoxb-…)`);
  return value;
}
