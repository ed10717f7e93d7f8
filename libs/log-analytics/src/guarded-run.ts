import { performance } from 'node:perf_hooks';
import type { Logger } from '@soc/observability';
import { AppError, ErrorCode, type Clock, describeError } from '@soc/runtime';
import type { KqlAuditEntry, KqlAuditLog, KqlAuditRecord } from './audit.ts';
import type { ExecutorBackend, KqlRunRequest, KqlRunResult, ResultTable, RunError } from './executor.ts';
import type { KqlVerdict, QueryGuard } from './kql-guard.ts';

/** What a backend made of an allowed query. */
export interface BackendOutcome {
  status: 'not-executed' | 'succeeded' | 'partial' | 'failed';
  tables?: ResultTable[];
  reason?: string;
  error?: RunError;
}

/** Runs a query the guard allowed: `verdict.query` over `verdict.maxLookback`. */
export type RunAllowed = (verdict: KqlVerdict, signal: AbortSignal | undefined) => Promise<BackendOutcome>;

/** What every executor shares: the guard, the audit trail, time and the log. */
export interface GuardedRunDeps {
  readonly guard: QueryGuard;
  readonly audit: KqlAuditLog;
  readonly clock: Clock;
  readonly log: Logger;
}

/** Longest text a request may carry in `caller` and `purpose`. */
const MAX_LABEL_LENGTH = 1000;
/** Query text kept in a log line; the audit record keeps all of it. */
const LOGGED_QUERY_CHARS = 4000;

function requireLabel(name: 'caller' | 'purpose', value: string): void {
  if (typeof value !== 'string' || value.trim() === '' || value.length > MAX_LABEL_LENGTH) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, `A KQL run needs a ${name} (1..${MAX_LABEL_LENGTH} characters): the audit trail records who ran each query and why.`, { retryable: false });
  }
}

/** A readable sentence out of the guard's reasons. */
export function denialReason(verdict: KqlVerdict): string {
  const listed = verdict.reasons.slice(0, 5).map((r) => `${r.message} [${r.code} at ${r.start}..${r.end}]`);
  const more = verdict.reasons.length > 5 ? ` (and ${verdict.reasons.length - 5} more)` : '';
  return `The KQL guard denied this query, so it was not run: ${listed.join('; ') || 'no reason given'}${more}.`;
}

function rowCountOf(tables: readonly ResultTable[] | undefined): number {
  return (tables ?? []).reduce((n, t) => n + t.rows.length, 0);
}

/**
 * The one path every executor runs a query through: the guard first (a denied query never reaches a backend), an
 * audit record before an allowed query is sent, the backend, then the completed record and one structured log line.
 * If the audit record cannot be written the query is not run (the error propagates, retryable as the store says).
 */
export async function runGuarded(request: KqlRunRequest, deps: GuardedRunDeps, backend: { kind: ExecutorBackend; workspaceId: string | null; run: RunAllowed }): Promise<KqlRunResult> {
  requireLabel('caller', request.caller);
  requireLabel('purpose', request.purpose);
  if (typeof request.query !== 'string') throw new AppError(ErrorCode.VALIDATION_FAILED, 'A KQL run needs the query text as a string.', { retryable: false });
  const started = performance.now();
  const at = deps.clock.now().toISOString();
  const verdict = await deps.guard.check(request.query);
  const entry: KqlAuditEntry = {
    at,
    finishedAt: null,
    caller: request.caller,
    purpose: request.purpose,
    correlationId: request.correlationId ?? null,
    backend: backend.kind,
    workspaceId: backend.workspaceId,
    query: request.query,
    queryRun: verdict.query,
    verdict: verdict.verdict,
    reasons: verdict.reasons,
    tablesRead: verdict.tables,
    unknownColumns: verdict.unknownColumns,
    timespan: verdict.maxLookback,
    rowCap: verdict.rowCap,
    status: 'running',
    resultTables: [],
    rowCount: 0,
    durationMs: 0,
    error: null,
  };

  if (verdict.verdict === 'deny') {
    const reason = denialReason(verdict);
    const record = await deps.audit.append({ ...entry, status: 'denied', finishedAt: deps.clock.now().toISOString(), durationMs: elapsed(started) });
    logRun(deps.log, record);
    return { auditId: record.id, status: 'denied', verdict, rowCount: 0, durationMs: record.durationMs, reason };
  }

  const opened = await deps.audit.append(entry);
  let outcome: BackendOutcome;
  try {
    outcome = await backend.run(verdict, request.signal);
  } catch (error) {
    // Backends translate their errors; anything else is a bug, kept out of the caller's way but on the record.
    outcome = { status: 'failed', error: { code: ErrorCode.INTERNAL, message: describeError(error), retryable: false } };
  }
  const record: KqlAuditRecord = {
    ...opened,
    status: outcome.status,
    finishedAt: deps.clock.now().toISOString(),
    durationMs: elapsed(started),
    resultTables: (outcome.tables ?? []).map((t) => ({ name: t.name, columns: t.columns.length, rows: t.rows.length })),
    rowCount: rowCountOf(outcome.tables),
    error: outcome.error ?? null,
  };
  try {
    await deps.audit.complete(record);
  } catch (error) {
    // The `running` record already names the query, caller and time; the outcome still reaches the log line.
    deps.log.warn({ err: error, auditId: record.id }, 'could not record the outcome of a KQL run in the audit trail');
  }
  logRun(deps.log, record);
  return {
    auditId: record.id,
    status: outcome.status,
    verdict,
    ...(outcome.tables ? { tables: outcome.tables } : {}),
    rowCount: record.rowCount,
    durationMs: record.durationMs,
    ...(outcome.reason !== undefined ? { reason: outcome.reason } : {}),
    ...(outcome.error ? { error: outcome.error } : {}),
  };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 1000) / 1000;
}

/** The audit record as one log line (`kqlRun`), query text capped; credentials never come near it. */
function logRun(log: Logger, record: KqlAuditRecord): void {
  const { query, queryRun, unknownColumns, ...rest } = record;
  const fields = {
    kqlRun: {
      ...rest,
      query: query.length > LOGGED_QUERY_CHARS ? `${query.slice(0, LOGGED_QUERY_CHARS)}…` : query,
      queryLength: query.length,
      queryRunDiffers: queryRun !== query,
      unknownColumns: unknownColumns.length,
    },
  };
  const message = `KQL run ${record.status}`;
  if (record.status === 'failed' || record.status === 'partial') log.warn(fields, message);
  else log.info(fields, message);
}
