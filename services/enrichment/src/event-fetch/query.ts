import type { Alert } from '@soc/contracts';
import { kqlStringLiteral } from '@soc/hunt';

/**
 * The one query enrichment runs to fetch an alert's raw events, built from a fixed template. Only two kinds of value
 * enter it: host names, which the alert's sender wrote and which therefore enter only as KQL string literals from
 * `@soc/hunt`'s `kqlStringLiteral` (every quote, backslash and line break escaped; control and bidirectional
 * characters refused), and instants, which enter only as `datetime(…)` of an ISO string this module formats itself.
 */

/** Host names one query asks for at most. */
export const MAX_FETCH_HOSTS = 8;
/** Rows one query returns at most: the contract's bound on an alert's source events. */
export const MAX_FETCH_ROWS = 16;

/**
 * The Security events the query reads: the ones Sigma's Windows rules read most and that show what ran or changed —
 * process creation (4688), a service or scheduled task installed or changed (4697, 4698, 4702), an account created or
 * added to a group (4720, 4728, 4732, 4756), the audit log cleared (1102). Logons are left out: many per minute on a
 * server, they would crowd the 16 rows and say little on their own.
 */
export const FETCHED_SECURITY_EVENT_IDS: readonly number[] = [4688, 4697, 4698, 4702, 4720, 4728, 4732, 4756, 1102];

/** What the query is built from. */
export interface EventFetchQueryInput {
  /** Host names as the alert names them; at most {@link MAX_FETCH_HOSTS} distinct ones (case-insensitive) are used. */
  readonly hosts: readonly string[];
  /** The alert's detection time: the window is centred on it. */
  readonly detectedAt: Date;
  /** Minutes before and after `detectedAt` the query reads. */
  readonly windowMinutes: number;
}

/** The query, or why there is none. */
export type EventFetchQuery =
  | { ok: true; query: string; hosts: string[]; refused: { host: string; reason: string }[] }
  | { ok: false; reason: string; refused: { host: string; reason: string }[] };

const kqlDatetime = (d: Date): string => `datetime(${d.toISOString()})`;

/**
 * Builds the fetch query: Security events of {@link FETCHED_SECURITY_EVENT_IDS} and Sysmon events (`Event` rows of
 * source `Microsoft-Windows-Sysmon`) logged on the hosts within `windowMinutes` of the detection, the
 * {@link MAX_FETCH_ROWS} nearest to it in time. Every column it names is in the published schemas of `SecurityEvent`
 * and `Event`. A host name that cannot be a literal is refused with the reason; with none left there is no query.
 * Pure.
 */
export function buildEventFetchQuery(input: EventFetchQueryInput): EventFetchQuery {
  const refused: { host: string; reason: string }[] = [];
  const literals: string[] = [];
  const hosts: string[] = [];
  const seen = new Set<string>();
  for (const host of input.hosts) {
    if (hosts.length >= MAX_FETCH_HOSTS) break;
    const key = host.toLowerCase();
    if (seen.has(key)) continue;
    seen.add(key);
    const literal = kqlStringLiteral(host, { maxLength: 255 });
    if (!literal.ok) {
      refused.push({ host, reason: literal.rejection.message });
      continue;
    }
    hosts.push(host);
    literals.push(literal.literal);
  }
  if (literals.length === 0) return { ok: false, reason: 'the alert names no host whose name can be queried', refused };
  if (!Number.isFinite(input.detectedAt.getTime())) return { ok: false, reason: 'the alert has no valid detection time', refused };
  const windowMs = input.windowMinutes * 60_000;
  const from = new Date(input.detectedAt.getTime() - windowMs);
  const to = new Date(input.detectedAt.getTime() + windowMs);
  const query = [
    'union',
    `  (SecurityEvent | where EventID in (${FETCHED_SECURITY_EVENT_IDS.join(', ')})),`,
    '  (Event | where Source == "Microsoft-Windows-Sysmon")',
    `| where TimeGenerated between (${kqlDatetime(from)} .. ${kqlDatetime(to)})`,
    `| where Computer in~ (${literals.join(', ')})`,
    `| top ${MAX_FETCH_ROWS} by abs(TimeGenerated - ${kqlDatetime(input.detectedAt)}) asc`,
  ].join('\n');
  return { ok: true, query, hosts, refused };
}

/**
 * The host names of an alert to fetch events for: each source-named host entity's FQDN, host name and value (a
 * Sentinel `Computer` column holds the FQDN of a domain-joined machine, the short name of others). Hosts extracted
 * from free text are not asked for: the description is the sender's to write. Pure.
 */
export function hostNamesOf(alert: Pick<Alert, 'entities'>): string[] {
  const names: string[] = [];
  for (const e of alert.entities) {
    if (e.type !== 'host' || e.origin === 'extracted') continue;
    for (const name of [e.fqdn, e.hostname, e.value]) if (name !== undefined && name.trim() !== '') names.push(name.trim());
  }
  return names;
}
