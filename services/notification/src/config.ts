import { z } from 'zod';

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
export const NotificationConfig = z
  .object({
    NOTIFY_OUTBOX_DIR: z.string().min(1).optional(),
    NOTIFY_FROM: z.email().default('soc-copilot@localhost'),
    /** The Slack app's bot token (`xoxb-…`, scope `chat:write`), or a file holding it; unset: Slack messages go to the outbox. */
    SLACK_BOT_TOKEN: optionalText,
    SLACK_BOT_TOKEN_FILE: optionalText,
    /** The decision policy's chat destination names → Slack channel ids. */
    SLACK_CHANNELS: SlackChannels,
    /** The Web API base; only tests and proxies change it. */
    SLACK_API_URL: z.url({ protocol: /^https?$/ }).default('https://slack.com/api'),
  })
  .superRefine((c, ctx) => {
    if (c.SLACK_BOT_TOKEN !== undefined && c.SLACK_BOT_TOKEN_FILE !== undefined) ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN_FILE'], message: 'set SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE, not both' });
    // The message never echoes the value: it is a secret.
    if (c.SLACK_BOT_TOKEN !== undefined && !c.SLACK_BOT_TOKEN.startsWith('xoxb-')) ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'a Slack bot token starts with xoxb- (a bot token, not a user token)' });
    const slack = c.SLACK_BOT_TOKEN !== undefined || c.SLACK_BOT_TOKEN_FILE !== undefined;
    if (slack && c.SLACK_CHANNELS.size === 0) ctx.addIssue({ code: 'custom', path: ['SLACK_CHANNELS'], message: 'a Slack bot token needs SLACK_CHANNELS (destination name:channel id)' });
  });
export type NotificationConfig = z.infer<typeof NotificationConfig>;
