import type { KqlVerdict } from './kql-guard.ts';

/** What a caller asks the executor to run, and who is accountable for it. */
export interface KqlRunRequest {
  /** The KQL as submitted (attacker-influenced: it may come from an alert or an LLM). */
  readonly query: string;
  /** The authenticated principal running it (an API token's name, a service name). */
  readonly caller: string;
  /** Why it runs (a case, a hunt, a report); recorded in the audit trail. */
  readonly purpose: string;
  /** Ties the run to a case's or request's journey. */
  readonly correlationId?: string;
  /** Cancels the run (the caller went away). */
  readonly signal?: AbortSignal;
}

/**
 * How a run ended. `denied`: the guard refused it and nothing ran; `not-executed`: it passed the guard but no Log
 * Analytics workspace is configured; `partial`: Log Analytics returned some rows and an error; `failed`: it did not
 * return rows (throttled, timed out, refused by the service).
 */
export type KqlRunStatus = 'denied' | 'not-executed' | 'succeeded' | 'partial' | 'failed';

/** A column of a result table, with its Kusto type (`string`, `datetime`, `long`, `dynamic` …). */
export interface ResultColumn {
  name: string;
  type: string;
}

/** A table of a query's result. Cells are JSON values as Log Analytics sent them (datetimes as ISO strings). */
export interface ResultTable {
  name: string;
  columns: ResultColumn[];
  rows: unknown[][];
}

/** Why a run failed or was partial: a stable code, whether trying again later may help, and when. */
export interface RunError {
  code: string;
  message: string;
  retryable: boolean;
  /** Set when Log Analytics throttled the run: wait at least this long before trying again. */
  retryAfterSeconds?: number;
}

/** The outcome of one run; the same fields are kept in its audit record. */
export interface KqlRunResult {
  /** The audit record of this run (`GET /api/v1/hunt/audit/{auditId}`). */
  auditId: string;
  status: KqlRunStatus;
  /** The guard's verdict; `verdict.query` is the text that ran (or would run), row cap appended. */
  verdict: KqlVerdict;
  /** Result tables (present for `succeeded` and `partial`). */
  tables?: ResultTable[];
  rowCount: number;
  durationMs: number;
  /** For `denied` and `not-executed`: a sentence saying why nothing ran and what to do. */
  reason?: string;
  error?: RunError;
}

/** Runs KQL for a caller, only after the guard allowed it, and records every attempt in the audit trail. */
export interface KqlExecutor {
  /** Which backend runs allowed queries: `log-analytics` or `validate-only` (the embedded default). */
  readonly backend: ExecutorBackend;
  run(request: KqlRunRequest): Promise<KqlRunResult>;
}

/** The backends a {@link KqlExecutor} can have. */
export type ExecutorBackend = 'log-analytics' | 'validate-only';
