import type { ContainmentRunbook } from '@soc/contracts';

/** Lifecycle of a containment request. Nothing runs before `approved`. */
export type RequestStatus = 'pending-approval' | 'approved' | 'denied' | 'executed' | 'failed' | 'expired';

/** A containment request as containment keeps it: the audit trail of who asked, who approved, what ran. */
export interface ContainmentRequest {
  requestId: string;
  alertId: string;
  actionId: string;
  correlationId: string;
  runbook: ContainmentRunbook;
  target: { entityId: string; type: string; value: string };
  reason: string;
  status: RequestStatus;
  requestedAt: string;
  expiresAt: string;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
  changeRef?: string;
  result?: string;
  dryRun?: boolean;
}

/** Where requests are kept; `save` uses the etag from `get` (optimistic concurrency). */
export interface RequestStore {
  get(requestId: string): Promise<{ request: ContainmentRequest; etag: string } | undefined>;
  /** Creates the request unless it exists; returns the stored one either way. */
  create(request: ContainmentRequest): Promise<ContainmentRequest>;
  /** Saves over the version read with `etag`; returns the new etag. */
  save(request: ContainmentRequest, etag: string): Promise<string>;
}

/** Runs approved runbooks. Runbooks must be idempotent: blocking an address twice is harmless. */
export interface RunbookExecutor {
  readonly dryRun: boolean;
  execute(request: ContainmentRequest): Promise<string>;
}
