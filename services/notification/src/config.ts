import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { parseWebhookSubscribers, type WebhookSubscriber } from './webhooks/config.ts';

const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

/** `name:C0123,name2:C0456` → destination name → Slack channel id; every bad entry listed. */
const SlackChannels = z
  .string()
  .optional()
  .transform((value, ctx) => {
    const map = new Map<string, string>();
    for (const entry of (value ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
      const at = entry.lastIndexOf(':');
      const name = entry.slice(0, at).trim();
      const channel = entry.slice(at + 1).trim();
      if (at <= 0 || !/^[CGD][A-Z0-9]{2,31}$/.test(channel)) {
        ctx.addIssue({ code: 'custom', message: `entry "${entry.slice(0, 80)}" is not <destination name>:<Slack channel id (C…)>` });
        continue;
      }
      if (map.has(name)) ctx.addIssue({ code: 'custom', message: `destination "${name}" is mapped twice` });
      map.set(name, channel);
    }
    return map as ReadonlyMap<string, string>;
  });

/** The notification service's own settings. */
const NotificationSettings = z.object({
  NOTIFY_OUTBOX_DIR: z.string().min(1).optional(),
  NOTIFY_FROM: z.email().default('soc-copilot@localhost'),
  /** JSON file of outbound decision webhook subscribers (see the README); unset: no webhooks. */
  OUTBOUND_WEBHOOKS_FILE: z.string().min(1).optional(),
  /** Tests only: lets a subscriber URL be plain http to a loopback host. */
  OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  /** The Slack app's bot token (`xoxb-…`, scope `chat:write`), or a file holding it; unset: Slack messages go to the outbox. */
  SLACK_BOT_TOKEN: optionalText,
  SLACK_BOT_TOKEN_FILE: optionalText,
  /** The decision policy's chat destination names → Slack channel ids. */
  SLACK_CHANNELS: SlackChannels,
  /** The Web API base; only tests and proxies change it. */
  SLACK_API_URL: z.url({ protocol: /^https?$/ }).default('https://slack.com/api'),
});

/**
 * The settings plus the webhook subscribers, read and validated from `OUTBOUND_WEBHOOKS_FILE` at start-up with their
 * secrets resolved from the environment (the schema sees the whole environment for that, and keeps only these).
 */
export const NotificationConfig = z.looseObject(NotificationSettings.shape).transform((env, ctx) => {
  const { NOTIFY_OUTBOX_DIR, NOTIFY_FROM, OUTBOUND_WEBHOOKS_FILE, OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK, SLACK_BOT_TOKEN, SLACK_BOT_TOKEN_FILE, SLACK_CHANNELS, SLACK_API_URL } = env;
  const settings = { NOTIFY_OUTBOX_DIR, NOTIFY_FROM, OUTBOUND_WEBHOOKS_FILE, OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK, SLACK_BOT_TOKEN, SLACK_BOT_TOKEN_FILE, SLACK_CHANNELS, SLACK_API_URL };
  if (SLACK_BOT_TOKEN !== undefined && SLACK_BOT_TOKEN_FILE !== undefined) ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN_FILE'], message: 'set SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE, not both' });
  // The message never echoes the value: it is a secret.
  if (SLACK_BOT_TOKEN !== undefined && !SLACK_BOT_TOKEN.startsWith('xoxb-')) ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'a Slack bot token starts with xoxb- (a bot token, not a user token)' });
  if ((SLACK_BOT_TOKEN !== undefined || SLACK_BOT_TOKEN_FILE !== undefined) && SLACK_CHANNELS.size === 0) ctx.addIssue({ code: 'custom', path: ['SLACK_CHANNELS'], message: 'a Slack bot token needs SLACK_CHANNELS (destination name:channel id)' });
  let webhooks: readonly WebhookSubscriber[] = [];
  if (OUTBOUND_WEBHOOKS_FILE !== undefined) {
    const problem = (message: string) => ctx.addIssue({ code: 'custom', path: ['OUTBOUND_WEBHOOKS_FILE'], message });
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(OUTBOUND_WEBHOOKS_FILE, 'utf8'));
    } catch (error) {
      problem(`cannot read ${OUTBOUND_WEBHOOKS_FILE} as JSON: ${(error as Error).message}`);
      return z.NEVER;
    }
    const parsed = parseWebhookSubscribers(json, { env: env as Record<string, string | undefined>, allowLoopback: OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK });
    if (!parsed.ok) {
      for (const p of parsed.problems) problem(p);
      return z.NEVER;
    }
    webhooks = parsed.subscribers;
  }
  return { ...settings, webhooks };
});
export type NotificationConfig = z.infer<typeof NotificationConfig>;
