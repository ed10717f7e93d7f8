import type { ContainmentRequest } from '@soc/containment-requests';
import type { ContainmentRunbook } from '@soc/contracts';

export type { AuditEntry, AuditTrail, ContainmentRequest, FreezeSwitch, RequestLog, RequestStatus } from '@soc/containment-requests';

/** Runs approved runbooks. Runbooks must be idempotent: blocking an address twice is harmless. */
export interface RunbookExecutor {
  /** Whether `runbook` runs as a dry run here (recorded on the request and its executed event). */
  isDryRun(runbook: ContainmentRunbook): boolean;
  execute(request: ContainmentRequest): Promise<string>;
}

/**
 * The policy's last word just before a runbook runs (the target's protection, asset tags, the runbook fitting the
 * target): a reason to refuse, or undefined. Injected; the merge with the target-safety work plugs the policy in.
 */
export type PreExecutionCheck = (request: ContainmentRequest) => Promise<string | undefined>;

/** How many different principals must approve a runbook (2: four-eyes). */
export type ApprovalsRequired = (runbook: ContainmentRunbook) => 1 | 2;

/** Blast-radius caps: executions started in the last hour, per target of a tenant and per tenant. */
export interface BlastRadiusLimits {
  perTargetPerHour: number;
  perTenantPerHour: number;
}
