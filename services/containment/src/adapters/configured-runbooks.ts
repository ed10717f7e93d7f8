import type { ContainmentRunbook } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';
import type { ContainmentRequest, RunbookAdapter, RunbookExecuted, RunbookExecutor, RunbookVerification } from '../ports.ts';
import { DryRunRunbooks } from './dry-run-runbooks.ts';

/**
 * Executes each approved request for real when its runbook is in the allow-list (`CONTAINMENT_EXECUTE_RUNBOOKS`, with
 * `CONTAINMENT_DRY_RUN=false`) and has a configured adapter, and as a dry run otherwise, so execution is enabled one
 * runbook at a time. A real execution's effect (what the API named: machine and action, indicator, rule) is recorded
 * on the request; verify and undo read it back.
 */
export class ConfiguredRunbooks implements RunbookExecutor {
  readonly #dryRun = new DryRunRunbooks();
  readonly #allowed: ReadonlySet<ContainmentRunbook>;
  readonly #adapters: Partial<Record<ContainmentRunbook, RunbookAdapter>>;

  constructor(allowed: readonly ContainmentRunbook[], adapters: Partial<Record<ContainmentRunbook, RunbookAdapter>>) {
    const missing = allowed.filter((r) => adapters[r] === undefined);
    if (missing.length > 0) {
      throw new Error(`CONTAINMENT_EXECUTE_RUNBOOKS names ${missing.join(', ')}, but no adapter for ${missing.length === 1 ? 'it is' : 'them is'} configured (see services/containment/README.md: each runbook's credentials and settings)`);
    }
    this.#allowed = new Set(allowed);
    this.#adapters = adapters;
  }

  isDryRun(runbook: ContainmentRunbook): boolean {
    return !this.#allowed.has(runbook) || this.#adapters[runbook] === undefined;
  }

  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    const adapter = this.#real(request);
    return adapter ? adapter.execute(request) : this.#dryRun.execute(request);
  }

  async verify(request: ContainmentRequest): Promise<RunbookVerification> {
    const adapter = this.#real(request);
    return adapter ? adapter.verify(request, request.effect ?? {}) : this.#dryRun.verify();
  }

  async undo(request: ContainmentRequest): Promise<string> {
    const adapter = this.#real(request);
    if (!adapter) return this.#dryRun.undo();
    if (!adapter.undo) throw new AppError(ErrorCode.PRECONDITION_FAILED, `${request.runbook} cannot be undone`, { retryable: false });
    return adapter.undo(request, request.effect ?? {});
  }

  /** The real adapter of a request that executed (or will execute) for real; a dry run's request never reaches one. */
  #real(request: ContainmentRequest): RunbookAdapter | undefined {
    if (request.dryRun === true || this.isDryRun(request.runbook)) return undefined;
    return this.#adapters[request.runbook];
  }
}
