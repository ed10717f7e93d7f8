import type { ContainmentRunbook } from '@soc/contracts';
import type { ContainmentRequest, RunbookExecutor } from '../ports.ts';
import { DryRunRunbooks } from './dry-run-runbooks.ts';
import type { DefenderIndicatorRunbook } from './defender/defender-indicator-runbook.ts';
import type { DefenderIsolateHostRunbook } from './defender/defender-runbook.ts';

/** The runbooks that can execute for real so far (issue 14: the others follow). */
export const EXECUTABLE_RUNBOOKS: readonly ContainmentRunbook[] = ['isolate-host', 'block-ip', 'block-url'];

/** What executes a runbook for real: the Defender for Endpoint runbooks. */
export interface RealRunbooks {
  isolateHost: DefenderIsolateHostRunbook;
  indicators: DefenderIndicatorRunbook;
}

/**
 * Executes each approved request for real when its runbook is in the allow-list (`CONTAINMENT_EXECUTE_RUNBOOKS`, with
 * `CONTAINMENT_DRY_RUN=false`), and as a dry run otherwise, so execution is enabled one runbook at a time. A real
 * execution's record names what Defender did (machine and action, or indicator); the Defender runbooks find their
 * own earlier action by the request id, so a redelivered execute changes nothing twice.
 */
export class ConfiguredRunbooks implements RunbookExecutor {
  readonly #dryRun = new DryRunRunbooks();
  readonly #allowed: ReadonlySet<ContainmentRunbook>;
  readonly #real: RealRunbooks | undefined;

  constructor(allowed: readonly ContainmentRunbook[], real: RealRunbooks | undefined) {
    const unknown = allowed.filter((r) => !EXECUTABLE_RUNBOOKS.includes(r));
    if (unknown.length > 0) throw new Error(`CONTAINMENT_EXECUTE_RUNBOOKS: ${unknown.join(', ')} cannot execute for real yet (only ${EXECUTABLE_RUNBOOKS.join(', ')})`);
    if (allowed.length > 0 && real === undefined) throw new Error('CONTAINMENT_EXECUTE_RUNBOOKS names Defender runbooks but no Defender credentials are configured (DEFENDER_TENANT_ID, DEFENDER_CLIENT_ID, DEFENDER_CLIENT_SECRET_FILE)');
    this.#allowed = new Set(allowed);
    this.#real = real;
  }

  isDryRun(runbook: ContainmentRunbook): boolean {
    return !this.#allowed.has(runbook) || this.#real === undefined;
  }

  async execute(request: ContainmentRequest): Promise<string> {
    const real = this.#real;
    if (this.isDryRun(request.runbook) || real === undefined) return this.#dryRun.execute(request);
    const context = { requestId: request.requestId, approvedBy: request.approvals.map((a) => a.approver) };
    switch (request.runbook) {
      case 'isolate-host': {
        const done = await real.isolateHost.execute({ hostName: request.target.value }, context);
        return `isolated ${request.target.value} through Defender for Endpoint: machine ${done.machineId}, action ${done.actionId} (${done.origin})`;
      }
      case 'block-ip':
      case 'block-url': {
        const type = request.runbook === 'block-ip' ? 'IpAddress' : request.target.type === 'domain' ? 'DomainName' : 'Url';
        const done = await real.indicators.execute({ type, value: request.target.value }, context);
        return `blocked ${request.target.value} with a Defender for Endpoint indicator: ${JSON.stringify(done)}`;
      }
      // Not executable for real yet (the constructor refuses them in the allow-list).
      case 'nsg-block-port':
      case 'rotate-secret':
      case 'disable-user':
        return this.#dryRun.execute(request);
    }
  }
}
