import { z } from 'zod';
import { LogAnalyticsConfig } from '@soc/log-analytics';

/** A variable that roles replaced: any value stops the start with how to say it in SOC_API_ROLES. */
const retired = (name: string, role: string) =>
  // An empty value (a chart's '' default) is unset.
  z.preprocess((v) => (v === '' ? undefined : v), z.undefined({ error: `${name} is replaced by roles: grant each of its principals the ${role} role in SOC_API_ROLES (e.g. alice:${role}) and remove ${name}` }).optional());

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const optionalText = z.preprocess((v) => (v === '' ? undefined : v), z.string().min(1).optional());

/**
 * A chat user → approver principal map, `<user>:<principal>,…` (Slack, Teams): `user` is checked and normalised by
 * `userOf` (undefined: not a user id of that chat); a malformed entry or a user mapped twice stops the start.
 */
function approverMap(chat: string, userKind: string, userOf: (id: string) => string | undefined) {
  return z
    .string()
    .optional()
    .transform((value, ctx) => {
      const map = new Map<string, string>();
      for (const entry of (value ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
        const at = entry.indexOf(':');
        const user = at < 0 ? undefined : userOf(entry.slice(0, at).trim());
        const principal = entry.slice(at + 1).trim();
        if (user === undefined || principal === '') {
          ctx.addIssue({ code: 'custom', message: `entry "${entry.slice(0, 80)}" is not <${userKind}>:<principal>` });
          continue;
        }
        if (map.has(user)) ctx.addIssue({ code: 'custom', message: `${chat} user ${user} is mapped twice` });
        map.set(user, principal);
      }
      return map as ReadonlyMap<string, string>;
    });
}

const SEVERITIES = ['informational', 'low', 'medium', 'high', 'critical'] as const;
type SlaSeverity = (typeof SEVERITIES)[number];
const DEFAULT_SLA_MINUTES = 'critical:15,high:60,medium:240,low:1440';

/** `critical:15,high:60`: SLA minutes per severity; an unknown severity, a bad number or a severity named twice stops the start. */
const slaMinutes = z.preprocess((v) => (v === '' ? undefined : v), z.string().default(DEFAULT_SLA_MINUTES).transform((value, ctx) => {
  const out: Partial<Record<SlaSeverity, number>> = {};
  for (const entry of value.split(',').map((e) => e.trim()).filter(Boolean)) {
    const [severity, minutes, ...rest] = entry.split(':').map((x) => x.trim());
    const n = Number(minutes);
    if (rest.length > 0 || !SEVERITIES.includes(severity as SlaSeverity) || !Number.isInteger(n) || n < 1 || n > 525_600) {
      ctx.addIssue({ code: 'custom', message: `entry "${entry.slice(0, 80)}" is not <severity>:<minutes> (severity one of ${SEVERITIES.join(', ')}; minutes 1–525600)` });
      continue;
    }
    if (out[severity as SlaSeverity] !== undefined) ctx.addIssue({ code: 'custom', message: `severity ${severity} is named twice` });
    out[severity as SlaSeverity] = n;
  }
  return out as Readonly<Partial<Record<SlaSeverity, number>>>;
}));

/** The analyst API's own settings. */
export const ApiConfig = z.object({
  /** How long case events and summaries are kept; 0 keeps them forever. */
  CASE_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(0),
  /**
   * Case grouping: an alert joins the open case group of its key (tenant, source, rule, key entities) while its
   * receipt time is within this many minutes of the group's alerts; later, it opens a new group.
   */
  CASE_GROUP_WINDOW_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  /**
   * Journey watchdog: an alert answered 202 with no decision this many seconds after its receipt is stalled
   * (`soc_alerts_stalled{stage}`, one warning per alert, `GET /api/v1/alerts/stalled`).
   */
  SOC_STALL_AFTER_SECONDS: z.coerce.number().int().min(1).max(604_800).default(300),
  /** KPIs: the length of an analyst's shift in hours (alerts per analyst per shift counts shifts of this length from 00:00 UTC). */
  SOC_SHIFT_HOURS: z.coerce.number().int().min(1).max(24).default(8),
  /** KPIs: SLA target per severity, minutes from receipt to the first disposition: `critical:15,high:60,…`; a severity left out is not measured. */
  SOC_SLA_MINUTES: slaMinutes,
  /** KPIs: at most this many cases (newest receipt first) are read per computation; past it the report says `truncated`. */
  SOC_KPI_MAX_CASES: z.coerce.number().int().min(1).max(1000).default(1000),
  /** KPIs: the `soc_kpi_*` gauges show the last this many hours, recomputed every SOC_KPI_REFRESH_SECONDS (0: no gauges). */
  SOC_KPI_WINDOW_HOURS: z.coerce.number().int().min(1).max(2160).default(168),
  SOC_KPI_REFRESH_SECONDS: z.coerce.number().int().min(0).max(86_400).default(300),
  /** Live updates (`GET /api/v1/events`): open streams at most, in all and per principal (429 beyond). */
  SOC_SSE_MAX_STREAMS: z.coerce.number().int().min(0).max(10_000).default(200),
  SOC_SSE_MAX_STREAMS_PER_PRINCIPAL: z.coerce.number().int().min(1).max(100).default(5),
  /** Live updates: how often the recently changed cases are read while a stream is open, and the heartbeat. */
  SOC_SSE_POLL_MS: z.coerce.number().int().min(250).max(60_000).default(2000),
  SOC_SSE_HEARTBEAT_SECONDS: z.coerce.number().int().min(1).max(300).default(15),
  /**
   * Console sign-in (`POST /auth/session`, `GET /auth/login`, `GET /auth/callback`): attempts per minute per client
   * address (an IPv6 /64 counts as one) and in all; 429 with Retry-After beyond.
   */
  SOC_SIGN_IN_PER_ADDRESS_PER_MINUTE: z.coerce.number().int().min(1).max(10_000).default(10),
  SOC_SIGN_IN_GLOBAL_PER_MINUTE: z.coerce.number().int().min(1).max(100_000).default(300),
  /** Case chat: questions one principal may ask per clock hour (POST /api/v1/alerts/{alertId}/questions answers 429 beyond). */
  SOC_CHAT_QUESTIONS_PER_HOUR: z.coerce.number().int().min(1).max(10_000).default(60),
  /**
   * Retired: approvers and hunters are roles now (`SOC_API_ROLES=alice:approver,hugo:hunter`). Still set, the start
   * stops with this message instead of silently granting nothing, or everything (`*`).
   */
  CONTAINMENT_APPROVERS: retired('CONTAINMENT_APPROVERS', 'approver'),
  HUNT_PRINCIPALS: retired('HUNT_PRINCIPALS', 'hunter'),
  /** The Slack app's signing secret (`POST /api/v1/integrations/slack/interactions` verifies `X-Slack-Signature` with it); or a file holding it. */
  SLACK_SIGNING_SECRET: optionalText,
  SLACK_SIGNING_SECRET_FILE: optionalText,
  /** The Slack workspace (team id, `T…`) whose users may decide; a callback from another workspace is refused. */
  SLACK_TEAM_ID: optionalText,
  /** Only a payload `response_url` starting with this is called (the answer to the clicking user); tests point it at a stand-in. */
  SLACK_RESPONSE_URL_PREFIX: z.url({ protocol: /^https?$/ }).default('https://hooks.slack.com/'),
  /** Slack user id → approver principal: `U123:alice,U456:bob`. The principal must hold the approver role in SOC_API_ROLES. */
  SLACK_APPROVERS: approverMap('Slack', 'Slack user id (U…)', (id) => (/^[UW][A-Z0-9]{2,31}$/.test(id) ? id : undefined)),
  /** The Teams bot's Microsoft App ID: the audience of the Bot Connector tokens `POST /api/v1/integrations/teams/messages` accepts; unset: that route refuses everything. */
  TEAMS_BOT_APP_ID: optionalText,
  /** The Entra tenant (GUID) whose Teams users may decide; an invoke from another tenant is refused. */
  TEAMS_TENANT_ID: z.preprocess((v) => (v === '' ? undefined : v), z.string().regex(GUID, 'a tenant id is a GUID').optional()),
  /** The Bot Framework's OpenID metadata (its signing keys); only tests change it. */
  TEAMS_OPENID_METADATA_URL: z.url({ protocol: /^https?$/ }).default('https://login.botframework.com/v1/.well-known/openidconfiguration'),
  /** Entra user object id (`from.aadObjectId`) → approver principal: `<guid>:alice,<guid>:bob`. The principal must hold the approver role in SOC_API_ROLES. */
  TEAMS_APPROVERS: approverMap('Teams', 'Entra user object id (GUID)', (id) => (GUID.test(id) ? id.toLowerCase() : undefined)),
  /** Console sign-in with OpenID Connect (Entra ID: https://login.microsoftonline.com/<tenant>/v2.0); unset: local API tokens only. */
  SOC_CONSOLE_OIDC_ISSUER: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
  /** The console's app registration (client id). */
  SOC_CONSOLE_OIDC_CLIENT_ID: optionalText,
  /** A file holding the client secret (confidential client); unset: a public client (PKCE only). */
  SOC_CONSOLE_OIDC_CLIENT_SECRET_FILE: optionalText,
  /**
   * The longest a console session signed in with OpenID Connect lasts (hours; the shorter of this and
   * SOC_SESSION_HOURS): it keeps the app roles of its ID token, so a role removed in Entra ID lasts at most this long.
   */
  SOC_SESSION_OIDC_HOURS: z.coerce.number().min(0.25).max(24).default(8),
  /** The redirect URI registered for the console; default `<SOC_PUBLIC_URL>/auth/callback`. */
  SOC_CONSOLE_OIDC_REDIRECT_URI: z.preprocess((v) => (v === '' ? undefined : v), z.url({ protocol: /^https?$/ }).optional()),
})
  .extend(LogAnalyticsConfig.shape)
  .superRefine((c, ctx) => {
    if (c.SLACK_SIGNING_SECRET !== undefined && c.SLACK_SIGNING_SECRET_FILE !== undefined) ctx.addIssue({ code: 'custom', path: ['SLACK_SIGNING_SECRET_FILE'], message: 'set SLACK_SIGNING_SECRET or SLACK_SIGNING_SECRET_FILE, not both' });
    const slack = c.SLACK_SIGNING_SECRET !== undefined || c.SLACK_SIGNING_SECRET_FILE !== undefined;
    if (c.TEAMS_BOT_APP_ID !== undefined && c.TEAMS_TENANT_ID === undefined) ctx.addIssue({ code: 'custom', path: ['TEAMS_TENANT_ID'], message: 'the Teams bot needs TEAMS_TENANT_ID: the one tenant whose users may decide' });
    if (c.SOC_CONSOLE_OIDC_ISSUER !== undefined && c.SOC_CONSOLE_OIDC_CLIENT_ID === undefined) ctx.addIssue({ code: 'custom', path: ['SOC_CONSOLE_OIDC_CLIENT_ID'], message: 'console sign-in with OpenID Connect needs SOC_CONSOLE_OIDC_CLIENT_ID' });
    if (c.SOC_CONSOLE_OIDC_ISSUER !== undefined && new URL(c.SOC_CONSOLE_OIDC_ISSUER).protocol === 'http:' && !['localhost', '127.0.0.1', '[::1]'].includes(new URL(c.SOC_CONSOLE_OIDC_ISSUER).hostname)) ctx.addIssue({ code: 'custom', path: ['SOC_CONSOLE_OIDC_ISSUER'], message: 'an OpenID provider must be https (plain http only on localhost, for tests)' });
    if (slack && c.SLACK_TEAM_ID === undefined) ctx.addIssue({ code: 'custom', path: ['SLACK_TEAM_ID'], message: 'Slack interactions need SLACK_TEAM_ID: the one workspace whose users may decide' });
  });
export type ApiConfig = z.infer<typeof ApiConfig>;
