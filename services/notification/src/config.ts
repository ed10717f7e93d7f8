import { readFileSync } from 'node:fs';
import { z } from 'zod';
import type { TeamsDestination } from './adapters/teams/teams-chat-poster.ts';
import { parseTeamsDestinations } from './teams-destinations.ts';
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

const flag = z.enum(['true', 'false']).transform((v) => v === 'true');
const ms = (fallback: number) => z.coerce.number().int().positive().default(fallback);

/** The notification service's own settings. */
const NotificationSettings = z.object({
  NOTIFY_OUTBOX_DIR: z.string().min(1).optional(),
  NOTIFY_FROM: z.email().default('soc-copilot@localhost'),
  /** Where e-mail goes: the embedded outbox (default), an SMTP relay, or Microsoft Graph sendMail. */
  NOTIFY_EMAIL_TRANSPORT: z.enum(['outbox', 'smtp', 'graph']).default('outbox'),
  SMTP_HOST: z.string().min(1).optional(),
  SMTP_PORT: z.coerce.number().int().min(1).max(65535).default(587),
  /** `true`: TLS from the first byte (port 465). `false`: STARTTLS, required unless SMTP_REQUIRE_TLS=false. */
  SMTP_SECURE: flag.default(false),
  SMTP_REQUIRE_TLS: flag.default(true),
  SMTP_USER: z.string().min(1).optional(),
  SMTP_PASSWORD: z.string().min(1).optional(),
  /** A file holding the password (a mounted secret); wins over SMTP_PASSWORD. */
  SMTP_PASSWORD_FILE: z.string().min(1).optional(),
  /** PEM file of CA certificates to trust besides the system roots (a relay with a private CA). */
  SMTP_TLS_CA_FILE: z.string().min(1).optional(),
  SMTP_CONNECTION_TIMEOUT_MS: ms(10_000),
  SMTP_GREETING_TIMEOUT_MS: ms(10_000),
  SMTP_SOCKET_TIMEOUT_MS: ms(30_000),
  /** The mailbox Graph sends as (user id or UPN), e.g. `soc-alerts@contoso.com`. */
  GRAPH_MAIL_SENDER: z.string().min(1).optional(),
  GRAPH_MAIL_BASE_URL: z.url().default('https://graph.microsoft.com'),
  GRAPH_MAIL_TIMEOUT_MS: ms(30_000),
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
  /** Teams destinations (JSON, see the README): destination name → bot conversation or webhook; unset: Teams messages go to the outbox. */
  TEAMS_DESTINATIONS: optionalText,
  /** The same, from a file; set one of the two. */
  TEAMS_DESTINATIONS_FILE: optionalText,
  /** The bot's Microsoft App ID (Entra client id); required when a destination is a bot conversation. */
  TEAMS_BOT_APP_ID: optionalText,
  /** The bot's client secret, or a file holding it (a mounted secret); never logged. */
  TEAMS_BOT_APP_PASSWORD: optionalText,
  TEAMS_BOT_APP_PASSWORD_FILE: optionalText,
  /** A single-tenant bot's tenant id; default `botframework.com` (a multi-tenant bot). */
  TEAMS_BOT_TENANT_ID: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(/^[A-Za-z0-9.-]{1,128}$/).default('botframework.com')),
  /** The Entra token endpoint's base; only tests and national clouds change it. */
  TEAMS_LOGIN_URL: z.url({ protocol: /^https?$/ }).default('https://login.microsoftonline.com'),
  /** Tests only: lets a serviceUrl or webhook URL be plain http to a loopback host. */
  TEAMS_ALLOW_LOOPBACK: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
});
type NotificationSettings = z.infer<typeof NotificationSettings>;
const SETTING_KEYS = Object.keys(NotificationSettings.shape) as (keyof NotificationSettings)[];

/**
 * The settings plus the webhook subscribers, read and validated from `OUTBOUND_WEBHOOKS_FILE` at start-up with their
 * secrets resolved from the environment (the schema sees the whole environment for that, and keeps only these).
 */
export const NotificationConfig = z.looseObject(NotificationSettings.shape).transform((env, ctx) => {
  const settings = Object.fromEntries(SETTING_KEYS.map((k) => [k, env[k]])) as NotificationSettings;
  const c = settings;
  const need = (name: keyof NotificationSettings, why: string) => {
    if (c[name] === undefined) ctx.addIssue({ code: 'custom', path: [name], message: `required when ${why}` });
  };
  if (c.NOTIFY_EMAIL_TRANSPORT === 'smtp') {
    need('SMTP_HOST', 'NOTIFY_EMAIL_TRANSPORT=smtp');
    if (c.SMTP_USER !== undefined && c.SMTP_PASSWORD === undefined && c.SMTP_PASSWORD_FILE === undefined) {
      ctx.addIssue({ code: 'custom', path: ['SMTP_PASSWORD'], message: 'SMTP_PASSWORD or SMTP_PASSWORD_FILE is required when SMTP_USER is set' });
    }
    if ((c.SMTP_PASSWORD !== undefined || c.SMTP_PASSWORD_FILE !== undefined) && c.SMTP_USER === undefined) need('SMTP_USER', 'an SMTP password is set');
  }
  if (c.NOTIFY_EMAIL_TRANSPORT === 'graph') need('GRAPH_MAIL_SENDER', 'NOTIFY_EMAIL_TRANSPORT=graph');
  if (c.SLACK_BOT_TOKEN !== undefined && c.SLACK_BOT_TOKEN_FILE !== undefined) ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN_FILE'], message: 'set SLACK_BOT_TOKEN or SLACK_BOT_TOKEN_FILE, not both' });
  // The message never echoes the value: it is a secret.
  if (c.SLACK_BOT_TOKEN !== undefined && !c.SLACK_BOT_TOKEN.startsWith('xoxb-')) ctx.addIssue({ code: 'custom', path: ['SLACK_BOT_TOKEN'], message: 'a Slack bot token starts with xoxb- (a bot token, not a user token)' });
  if ((c.SLACK_BOT_TOKEN !== undefined || c.SLACK_BOT_TOKEN_FILE !== undefined) && c.SLACK_CHANNELS.size === 0) ctx.addIssue({ code: 'custom', path: ['SLACK_CHANNELS'], message: 'a Slack bot token needs SLACK_CHANNELS (destination name:channel id)' });
  let teams: ReadonlyMap<string, TeamsDestination> = new Map();
  if (c.TEAMS_DESTINATIONS !== undefined && c.TEAMS_DESTINATIONS_FILE !== undefined) ctx.addIssue({ code: 'custom', path: ['TEAMS_DESTINATIONS_FILE'], message: 'set TEAMS_DESTINATIONS or TEAMS_DESTINATIONS_FILE, not both' });
  if (c.TEAMS_BOT_APP_PASSWORD !== undefined && c.TEAMS_BOT_APP_PASSWORD_FILE !== undefined) ctx.addIssue({ code: 'custom', path: ['TEAMS_BOT_APP_PASSWORD_FILE'], message: 'set TEAMS_BOT_APP_PASSWORD or TEAMS_BOT_APP_PASSWORD_FILE, not both' });
  const teamsSource = c.TEAMS_DESTINATIONS_FILE ?? c.TEAMS_DESTINATIONS;
  if (teamsSource !== undefined) {
    const path = c.TEAMS_DESTINATIONS_FILE !== undefined ? 'TEAMS_DESTINATIONS_FILE' : 'TEAMS_DESTINATIONS';
    let json: unknown;
    try {
      json = JSON.parse(c.TEAMS_DESTINATIONS_FILE !== undefined ? readFileSync(c.TEAMS_DESTINATIONS_FILE, 'utf8') : teamsSource);
    } catch (error) {
      ctx.addIssue({ code: 'custom', path: [path], message: `not JSON: ${(error as Error).message.slice(0, 200)}` });
      return z.NEVER;
    }
    const parsed = parseTeamsDestinations(json, { env: env as Record<string, string | undefined>, allowLoopback: c.TEAMS_ALLOW_LOOPBACK });
    if (!parsed.ok) {
      for (const p of parsed.problems) ctx.addIssue({ code: 'custom', path: [path], message: p });
      return z.NEVER;
    }
    teams = parsed.destinations;
    const hasBot = [...teams.values()].some((d) => d.kind === 'bot');
    if (hasBot && c.TEAMS_BOT_APP_ID === undefined) ctx.addIssue({ code: 'custom', path: ['TEAMS_BOT_APP_ID'], message: 'required when a Teams destination is a bot conversation (serviceUrl, conversationId)' });
    if (hasBot && c.TEAMS_BOT_APP_PASSWORD === undefined && c.TEAMS_BOT_APP_PASSWORD_FILE === undefined) {
      ctx.addIssue({ code: 'custom', path: ['TEAMS_BOT_APP_PASSWORD'], message: 'TEAMS_BOT_APP_PASSWORD or TEAMS_BOT_APP_PASSWORD_FILE is required when a Teams destination is a bot conversation' });
    }
  }
  // TEAMS_BOT_APP_ID alone is no error: the api reads it too (the bot's endpoint), and posting needs destinations.
  let webhooks: readonly WebhookSubscriber[] = [];
  if (c.OUTBOUND_WEBHOOKS_FILE !== undefined) {
    const problem = (message: string) => ctx.addIssue({ code: 'custom', path: ['OUTBOUND_WEBHOOKS_FILE'], message });
    let json: unknown;
    try {
      json = JSON.parse(readFileSync(c.OUTBOUND_WEBHOOKS_FILE, 'utf8'));
    } catch (error) {
      problem(`cannot read ${c.OUTBOUND_WEBHOOKS_FILE} as JSON: ${(error as Error).message}`);
      return z.NEVER;
    }
    const parsed = parseWebhookSubscribers(json, { env: env as Record<string, string | undefined>, allowLoopback: c.OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK });
    if (!parsed.ok) {
      for (const p of parsed.problems) problem(p);
      return z.NEVER;
    }
    webhooks = parsed.subscribers;
  }
  return { ...settings, webhooks, teams };
});
export type NotificationConfig = z.infer<typeof NotificationConfig>;
