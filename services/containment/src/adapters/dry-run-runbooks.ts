import { RUNBOOKS } from '@soc/containment-requests';
import type { ContainmentRequest, RunbookExecutor } from '../ports.ts';

/** The embedded default executor: records what would run (each runbook's `does`, `RUNBOOKS`), changes nothing. */
export class DryRunRunbooks implements RunbookExecutor {
  isDryRun(): boolean {
    return true;
  }
  async execute(request: ContainmentRequest): Promise<string> {
    const approvers = request.approvals.map((a) => a.approver).join(' and ') || 'unknown';
    return `DRY RUN: would ${RUNBOOKS[request.runbook].does(request.target.value)} (approved by ${approvers}${request.changeRef ? `, change ${request.changeRef}` : ''})`;
  }
}
