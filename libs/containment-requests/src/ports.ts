import type { ContainmentRunbook } from '@soc/contracts';
import type { ContainmentRequest, RequestEvent, RequestStatus, RequestTarget } from './decider.ts';

/** What the API needs of containment's record: read a request, list an alert's requests. It cannot write. */
export interface RequestReader {
  get(requestId: string): Promise<ContainmentRequest | undefined>;
  /** The alert's requests (at most 100), in no particular order. */
  listForAlert(alertId: string): Promise<ContainmentRequest[]>;
}

/** A request with the number of appends that made it (the version a writer appends after). */
export interface LoadedRequest {
  request: ContainmentRequest | undefined;
  version: number;
}

/**
 * Containment's side of the record: append-only streams of request events. `append` writes after `version` and
 * fails with a retryable CONFLICT when another writer appended first; the caller loads again and decides again.
 */
export interface RequestLog extends RequestReader {
  load(requestId: string): Promise<LoadedRequest>;
  /** Appends one batch of events (all or none) after the loaded version; returns the new version. */
  append(requestId: string, from: LoadedRequest, events: readonly RequestEvent[]): Promise<number>;
  /** Requests with a status (from the status index, which may lag a crash; each is folded again before acting). */
  listByStatus(status: RequestStatus, query?: { runbook?: ContainmentRunbook | undefined; limit?: number }): Promise<ContainmentRequest[]>;
  /**
   * Requests whose execution started since `since` on a target of a tenant, or in the whole tenant (blast radius),
   * each counted once (a request deferred by a 429 and started again is one execution), leaving out `exceptRequestId`
   * (the request being re-checked: its own earlier start is not another containment).
   */
  countExecutionsSince(query: { tenantId: string; target?: RequestTarget | undefined; since: string; exceptRequestId?: string | undefined }): Promise<number>;
}

/** One freeze switch: the global one (no runbook) or one runbook's. */
export interface FreezeEntry {
  frozen: boolean;
  runbook?: ContainmentRunbook;
  by: string;
  at: string;
  reason: string;
}

/** Every switch that has ever been set; absent ones were never frozen. */
export interface FreezeState {
  global: FreezeEntry | null;
  runbooks: Partial<Record<ContainmentRunbook, FreezeEntry>>;
}

/** The emergency freeze, kept in state: the API (an administrator) sets it, containment reads it before acting. */
export interface FreezeSwitch {
  read(): Promise<FreezeState>;
  set(entry: FreezeEntry): Promise<void>;
}

/** The audit log containment and the API write every request event and refusal to (fail closed): `@soc/audit`'s port. */
export type { AuditEntry, AuditTrail } from '@soc/audit';
