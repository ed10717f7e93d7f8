import { RUNBOOKS } from '@soc/containment-requests';
import { AppError, ErrorCode } from '@soc/runtime';
import type { ContainmentRequest, RunbookExecuted, RunbookExecutor, RunbookVerification } from '../ports.ts';

/** The embedded default executor: records what would run (each runbook's `does`, `RUNBOOKS`), changes nothing. */
export class DryRunRunbooks implements RunbookExecutor {
  isDryRun(): boolean {
    return true;
  }
  async plan(): Promise<string | undefined> {
    return undefined;
  }
  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    const approvers = request.approvals.map((a) => a.approver).join(' and ') || 'unknown';
    return { summary: `DRY RUN: would ${RUNBOOKS[request.runbook].does(request.target.value)} (approved by ${approvers}${request.changeRef ? `, change ${request.changeRef}` : ''})`, effect: {} };
  }
  /** A dry run changed nothing: the request state machine never verifies one (`start-verification` refuses it). */
  async verify(): Promise<RunbookVerification> {
    throw new AppError(ErrorCode.PRECONDITION_FAILED, 'a dry run changed nothing to verify', { retryable: false });
  }
  async undo(): Promise<string> {
    throw new AppError(ErrorCode.PRECONDITION_FAILED, 'a dry run changed nothing to undo', { retryable: false });
  }
}
