import { type Alert, type FetchedSourceEvent, FetchedSourceEvent as FetchedSourceEventSchema, MAX_SOURCE_EVENT_VALUE_LENGTH, clipText } from '@soc/contracts';
import type { KqlExecutor, KqlRunResult, ResultTable } from '@soc/log-analytics';
import { mapLogAnalyticsRow } from '@soc/sigma';
import { describeError } from '@soc/runtime';
import { MAX_FETCH_ROWS, buildEventFetchQuery, hostNamesOf } from './query.ts';

/** The `missing` source every outcome of the fetch is reported under. */
export const EVENT_FETCH_SOURCE = 'log-analytics-events';
/** Who the audit trail says ran the fetch. */
export const EVENT_FETCH_CALLER = 'soc-enrichment';

/** Sources whose alerts are Log Analytics' to look up: Sentinel and Defender XDR (whose machines report to Sentinel). */
const FETCH_SOURCES: ReadonlySet<string> = new Set(['sentinel', 'defender']);

/** What the fetch needs. */
export interface EventFetchDeps {
  /** The guarded executor (`openKqlExecutor`): guard, audit record, Log Analytics. */
  readonly executor: KqlExecutor;
  /** Minutes before and after the alert's detection time the query reads. */
  readonly windowMinutes: number;
  /** How long one fetch may take, end to end; a slower one is abandoned and reported as missing. */
  readonly timeoutMs: number;
}

/** The events fetched and what kept others from being fetched. */
export interface EventFetchResult {
  events: FetchedSourceEvent[];
  missing: { source: string; reason: string }[];
}

const NOTHING: EventFetchResult = { events: [], missing: [] };

/** Whether enrichment fetches events for this alert: one that carries none, from Sentinel or Defender, naming a host. Pure. */
export function wantsEventFetch(alert: Alert): boolean {
  return (alert.sourceEvents ?? []).length === 0 && FETCH_SOURCES.has(alert.source.name) && hostNamesOf(alert).length > 0;
}

/** A result table's rows as objects keyed by column name. */
function rowsOf(table: ResultTable): Record<string, unknown>[] {
  return table.rows.map((cells) => Object.fromEntries(table.columns.map((c, i) => [c.name, cells[i] ?? null])));
}

const MAX_FIELDS = 256;
const MAX_FIELD_NAME = 128;

/** A mapped row as a contract-valid fetched event, or undefined when it cannot be one. */
function fetchedEventOf(row: Record<string, unknown>, pointer: string, auditId: string): FetchedSourceEvent | 'unreadable' {
  const mapped = mapLogAnalyticsRow(row);
  if (!mapped.ok) return 'unreadable';
  const fields: Record<string, string | number | boolean> = {};
  for (const [k, v] of Object.entries(mapped.value.fields).filter(([k]) => k.length <= MAX_FIELD_NAME).slice(0, MAX_FIELDS))
    // A value longer than a command line may be is evidence read by Sigma, not an indicator: cut with a marker.
    fields[k] = typeof v === 'string' ? clipText(v, MAX_SOURCE_EVENT_VALUE_LENGTH) : v;
  // An unreadable time leaves the event without one, not out.
  const time = typeof row['TimeGenerated'] === 'string' ? Date.parse(row['TimeGenerated']) : Number.NaN;
  const loggedAt = Number.isFinite(time) ? new Date(time).toISOString() : undefined;
  const parsed = FetchedSourceEventSchema.safeParse({
    logsources: mapped.value.logsources.slice(0, 8),
    fields,
    pointer,
    fetchedBy: auditId,
    ...(loggedAt !== undefined ? { loggedAt } : {}),
  });
  return parsed.success ? parsed.data : 'unreadable';
}

/** Why a run gave no rows, as `missing` says it. */
function failureReason(run: KqlRunResult): string {
  const head = `fetching the alert's events (${run.auditId})`;
  if (run.status === 'denied') return `${head} was denied by the KQL guard: ${run.reason ?? 'no reason given'}`;
  if (run.status === 'not-executed') return `${head} was not run: ${run.reason ?? 'no Log Analytics workspace is configured'}`;
  return `${head} ${run.status}: ${run.error ? `${run.error.code}${run.error.retryable ? ' (retryable)' : ''} ${run.error.message}` : 'no error given'}`;
}

/**
 * Fetches the raw events of an alert that carries none ({@link wantsEventFetch}) with one guarded query
 * (`buildEventFetchQuery`): caller `soc-enrichment`, purpose naming the alert, audited like every KQL run. Each row
 * becomes a {@link FetchedSourceEvent} citing the run's audit id. Never throws: a denied, failed, throttled,
 * not-executed or timed-out run, and rows that are not events, are `missing` entries with their reason, and the
 * alert goes on without them.
 */
export async function fetchSourceEvents(alert: Alert, deps: EventFetchDeps, correlationId?: string): Promise<EventFetchResult> {
  if (!wantsEventFetch(alert)) return NOTHING;
  const built = buildEventFetchQuery({ hosts: hostNamesOf(alert), detectedAt: new Date(alert.detectedAt), windowMinutes: deps.windowMinutes });
  const refusedNote = built.refused.length > 0 ? `; ${built.refused.length} host name(s) not queried: ${built.refused.map((r) => r.reason).join('; ')}` : '';
  if (!built.ok) return { events: [], missing: [{ source: EVENT_FETCH_SOURCE, reason: `${built.reason}${refusedNote}` }] };
  const signal = AbortSignal.timeout(deps.timeoutMs);
  let run: KqlRunResult;
  try {
    run = await Promise.race([
      deps.executor.run({ query: built.query, caller: EVENT_FETCH_CALLER, purpose: `fetch the raw events of alert ${alert.alertId}`, ...(correlationId !== undefined ? { correlationId } : {}), signal }),
      new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(new Error(`no answer within ${deps.timeoutMs} ms`)), { once: true })),
    ]);
  } catch (error) {
    return { events: [], missing: [{ source: EVENT_FETCH_SOURCE, reason: `fetching the alert's events failed: ${describeError(error)}${refusedNote}` }] };
  }
  if (run.status !== 'succeeded' && run.status !== 'partial') return { events: [], missing: [{ source: EVENT_FETCH_SOURCE, reason: `${failureReason(run)}${refusedNote}` }] };
  const events: FetchedSourceEvent[] = [];
  let unreadable = 0;
  (run.tables ?? []).forEach((table, t) => {
    rowsOf(table).forEach((row, r) => {
      if (events.length >= MAX_FETCH_ROWS) return;
      const event = fetchedEventOf(row, `/tables/${t}/rows/${r}`, run.auditId);
      if (event === 'unreadable') unreadable++;
      else events.push(event);
    });
  });
  const missing: { source: string; reason: string }[] = [];
  if (run.status === 'partial') missing.push({ source: EVENT_FETCH_SOURCE, reason: `${failureReason(run)}; ${events.length} event(s) kept` });
  if (unreadable > 0) missing.push({ source: EVENT_FETCH_SOURCE, reason: `${unreadable} row(s) fetched by ${run.auditId} are not Windows events Sigma can read` });
  if (refusedNote !== '') missing.push({ source: EVENT_FETCH_SOURCE, reason: refusedNote.slice(2) });
  return { events, missing };
}
