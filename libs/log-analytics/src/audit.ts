import type { ExecutorBackend, KqlRunStatus, RunError } from './executor.ts';
import type { KqlColumnWarning, KqlReason } from './kql-guard.ts';

/** A result table as the audit trail keeps it: its shape, never its rows (the rows stay in Log Analytics). */
export interface AuditedTable {
  name: string;
  columns: number;
  rows: number;
}

/**
 * One run of the KQL executor, denied ones included: who ran what, why, what the guard said, what ran and how it
 * ended. Written before an allowed query is sent (status `running`) and completed afterwards by a second, write-once
 * outcome, so nothing reaches Log Analytics without a record and no record is rewritten.
 */
export interface KqlAuditRecord {
  /** `kqa-` and the zero-padded sequence number: ids sort in run order. */
  id: string;
  /** Position in the audit trail, from 1. */
  seq: number;
  /** `floor(seq / AUDIT_PAGE_SIZE)`: the bucket the trail is paged by (the state port filters by equality only). */
  auditPage: number;
  /** When the run started (ISO 8601). */
  at: string;
  /** When it ended; null while running. */
  finishedAt: string | null;
  caller: string;
  purpose: string;
  correlationId: string | null;
  backend: ExecutorBackend;
  /** The Log Analytics workspace queried (null for the validate-only backend). */
  workspaceId: string | null;
  /** The query as submitted. */
  query: string;
  /** The query as it runs (row cap appended by the guard); what was sent to Log Analytics. */
  queryRun: string;
  verdict: 'allow' | 'deny';
  reasons: KqlReason[];
  /** Every table the query reads, as the guard resolved them. */
  tablesRead: string[];
  unknownColumns: KqlColumnWarning[];
  /** The ISO 8601 lookback sent as `timespan`. */
  timespan: string;
  rowCap: number;
  status: KqlRunStatus | 'running';
  resultTables: AuditedTable[];
  rowCount: number;
  durationMs: number;
  error: RunError | null;
}

/** A record before the trail gives it its place. */
export type KqlAuditEntry = Omit<KqlAuditRecord, 'id' | 'seq' | 'auditPage'>;

/** A page of the audit trail, newest first; pass `next` as `before` for the following page (null: no more). */
export interface KqlAuditPage {
  items: KqlAuditRecord[];
  next: number | null;
}

/** The audit trail of KQL runs. */
export interface KqlAuditLog {
  /** Gives the entry the next place in the trail and stores it. */
  append(entry: KqlAuditEntry): Promise<KqlAuditRecord>;
  /** Records a running run's outcome, once: the start record is never rewritten, and a second outcome is refused. */
  complete(record: KqlAuditRecord): Promise<void>;
  get(id: string): Promise<KqlAuditRecord | undefined>;
  /** Newest first; `before` is an exclusive `seq` cursor. */
  list(query: { limit: number; before?: number }): Promise<KqlAuditPage>;
}
