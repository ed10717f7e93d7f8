import { z } from 'zod';
import type { TeamsDestination } from './adapters/teams/teams-chat-poster.ts';

const ENV_NAME = /^[A-Z][A-Z0-9_]*$/;
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** One destination as written in `TEAMS_DESTINATIONS` / `TEAMS_DESTINATIONS_FILE`. */
const Entry = z.union([
  /** A conversation the bot is installed in (proactive messaging through the Bot Connector). */
  z.strictObject({ serviceUrl: z.url({ protocol: /^https?$/ }), conversationId: z.string().min(1).max(512).regex(/^[^\s/?#]+$/, 'conversationId: no spaces, / ? or #') }),
  /** A Workflows / incoming webhook; its URL is a capability, so it is named (an environment variable), never inlined. */
  z.strictObject({ webhookUrlEnv: z.string().regex(ENV_NAME, 'webhookUrlEnv must be an environment variable name') }),
]);
/** The file or JSON value: `{ "<destination name>": { … } }`. */
const DestinationsFile = z.record(z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a destination name is 1–64 of A–Z a–z 0–9 . _ -, starting with a letter or digit'), Entry);

/** What {@link parseTeamsDestinations} found: the destinations, or every problem. */
export type ParsedTeamsDestinations = { ok: true; destinations: ReadonlyMap<string, TeamsDestination> } | { ok: false; problems: string[] };

/**
 * Validates the Teams destinations and resolves webhook URLs from the environment: each must be `https` (plain `http`
 * to a loopback host only with `allowLoopback`, for tests); a problem never quotes a webhook URL (it is a secret).
 */
export function parseTeamsDestinations(json: unknown, options: { env: Record<string, string | undefined>; allowLoopback: boolean }): ParsedTeamsDestinations {
  const parsed = DestinationsFile.safeParse(json);
  if (!parsed.success) return { ok: false, problems: parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`) };
  const problems: string[] = [];
  const destinations = new Map<string, TeamsDestination>();
  const secure = (url: URL) => url.protocol === 'https:' || (options.allowLoopback && url.protocol === 'http:' && LOOPBACK.has(url.hostname));
  for (const [name, entry] of Object.entries(parsed.data)) {
    if ('serviceUrl' in entry) {
      const url = new URL(entry.serviceUrl);
      if (!secure(url) || url.username !== '' || url.password !== '') problems.push(`${name}.serviceUrl: must be https, without credentials`);
      else destinations.set(name, { kind: 'bot', serviceUrl: entry.serviceUrl, conversationId: entry.conversationId });
      continue;
    }
    const value = options.env[entry.webhookUrlEnv];
    if (value === undefined || value === '') {
      problems.push(`${name}.webhookUrlEnv: ${entry.webhookUrlEnv} is not set`);
      continue;
    }
    if (!URL.canParse(value) || !secure(new URL(value))) {
      problems.push(`${name}.webhookUrlEnv: ${entry.webhookUrlEnv} does not hold an https URL`);
      continue;
    }
    destinations.set(name, { kind: 'webhook', url: value });
  }
  return problems.length > 0 ? { ok: false, problems } : { ok: true, destinations };
}
