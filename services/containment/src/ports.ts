import type { ContainmentRequest } from '@soc/containment-requests';
import type { ContainmentRunbook } from '@soc/contracts';

export type { AuditEntry, AuditTrail, ContainmentRequest, FreezeSwitch, RequestLog, RequestStatus } from '@soc/containment-requests';

/**
 * Runs approved runbooks, checks and undoes them: each runbook for real when configured ({@link RunbookAdapter}),
 * otherwise as a dry run. Every call is idempotent per request id.
 */
export interface RunbookExecutor {
  /** Whether `runbook` runs as a dry run here (recorded on the request and its executed event). */
  isDryRun(runbook: ContainmentRunbook): boolean;
  /**
   * Exactly what the runbook would change, from a dry run against its real API (read-only), when an adapter runs or
   * plans it; undefined for the embedded dry run (whose `does` sentence the approver already sees).
   */
  plan(request: ContainmentRequest): Promise<string | undefined>;
  execute(request: ContainmentRequest): Promise<RunbookExecuted>;
  /** Whether a real execution took effect (its recorded `effect`). */
  verify(request: ContainmentRequest): Promise<RunbookVerification>;
  /** Puts back what a real execution changed; throws a non-retryable AppError when the runbook has no undo. */
  undo(request: ContainmentRequest): Promise<string>;
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

/**
 * What a real execution changed, as its runbook reads it back to verify and undo it: the identifiers the API gave
 * (machine and action ids, an indicator id, a rule name, a previous setting). Strings only: it is recorded on the
 * request (and its executed event) and must survive a restart; the runbook validates it when it reads it back.
 */
export type RunbookEffect = Readonly<Record<string, string>>;

/** What a runbook's execute did: a sentence for the case and the audit, and its {@link RunbookEffect}. */
export interface RunbookExecuted {
  summary: string;
  effect: RunbookEffect;
}

/**
 * What a verify found: the change is in effect; it is not and will not be (the action failed or was cancelled); or
 * not yet (the API still reports it pending: check again later). `finding` says what the API answered.
 */
export interface RunbookVerification {
  outcome: 'in-effect' | 'not-in-effect' | 'not-yet';
  finding: string;
}

/**
 * One runbook against one real API (issue 14), driven by the request state machine. Every method is idempotent
 * per request id (a redelivery finds the change it already made, by a marker or a deterministic name, and never
 * makes it twice). Errors are `AppError`s: a 429 or 5xx is retryable (with `details.retryAfterSeconds` when the API
 * sent Retry-After); a 403 (missing permission) or 404 (the target is gone) is not, and says so in its message.
 * Secrets never appear in a result, a finding or an error.
 */
export interface RunbookAdapter {
  /** Exactly what execute would change, from read-only lookups (shown to the approver and recorded on a dry run). */
  dryRun(request: ContainmentRequest): Promise<string>;
  execute(request: ContainmentRequest): Promise<RunbookExecuted>;
  verify(request: ContainmentRequest, effect: RunbookEffect): Promise<RunbookVerification>;
  /** Puts back what execute changed; absent on an irreversible runbook (a rotation, a session revocation). */
  undo?(request: ContainmentRequest, effect: RunbookEffect): Promise<string>;
}
