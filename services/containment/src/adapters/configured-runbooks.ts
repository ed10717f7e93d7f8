import type { ContainmentRunbook } from '@soc/contracts';
import { AppError, ErrorCode, describeError } from '@soc/runtime';
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

  /** `planned`: the runbooks whose adapters must exist to plan (default: the allowed ones). */
  constructor(allowed: readonly ContainmentRunbook[], adapters: Partial<Record<ContainmentRunbook, RunbookAdapter>>, planned: readonly ContainmentRunbook[] = allowed) {
    const missing = [...new Set([...allowed, ...planned])].filter((r) => adapters[r] === undefined);
    if (missing.length > 0) {
      throw new Error(`CONTAINMENT_EXECUTE_RUNBOOKS / CONTAINMENT_PLAN_RUNBOOKS name ${missing.join(', ')}, but no adapter for ${missing.length === 1 ? 'it is' : 'them is'} configured (see services/containment/README.md: each runbook's credentials and settings)`);
    }
    this.#allowed = new Set(allowed);
    this.#adapters = adapters;
  }

  isDryRun(runbook: ContainmentRunbook): boolean {
    return !this.#allowed.has(runbook) || this.#adapters[runbook] === undefined;
  }

  /** The adapter's dry run, for an allowed runbook and for one configured to plan only (`CONTAINMENT_PLAN_RUNBOOKS`). */
  async plan(request: ContainmentRequest): Promise<string | undefined> {
    return this.#adapters[request.runbook]?.dryRun(request);
  }

  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    const adapter = this.#real(request);
    if (adapter) return adapter.execute(request);
    const dry = await this.#dryRun.execute(request);
    // A runbook that is planned but not allowed: its dry run is the plan against the real API, made again now.
    const planner = this.#adapters[request.runbook];
    if (planner === undefined) return dry;
    try {
      return { summary: `DRY RUN: ${await planner.dryRun(request)}`, effect: {} };
    } catch (error) {
      return { summary: `${dry.summary}; the real run would fail: ${describeError(error)}`, effect: {} };
    }
  }

  async verify(request: ContainmentRequest): Promise<RunbookVerification> {
    if (request.dryRun !== false) return this.#dryRun.verify();
    return this.#executedBy(request).verify(request, request.effect ?? {});
  }

  async undo(request: ContainmentRequest): Promise<string> {
    if (request.dryRun !== false) return this.#dryRun.undo();
    const adapter = this.#executedBy(request);
    if (!adapter.undo) throw new AppError(ErrorCode.PRECONDITION_FAILED, `${request.runbook} cannot be undone`, { retryable: false });
    return adapter.undo(request, request.effect ?? {});
  }

  /**
   * The adapter that checks and undoes a request executed for real: its runbook's, while one is configured (allowed or
   * planned). A runbook taken out of the configuration since cannot be checked or undone from here: said plainly.
   */
  #executedBy(request: ContainmentRequest): RunbookAdapter {
    const adapter = this.#adapters[request.runbook];
    if (adapter === undefined) {
      throw new AppError(
        ErrorCode.PRECONDITION_FAILED,
        `${request.runbook} ran for real but is no longer configured (CONTAINMENT_EXECUTE_RUNBOOKS / CONTAINMENT_PLAN_RUNBOOKS and its settings): check and undo ${request.target.type} ${request.target.value} by hand`,
        { retryable: false },
      );
    }
    return adapter;
  }

  /** The real adapter of a request that executed (or will execute) for real; a dry run's request never reaches one. */
  #real(request: ContainmentRequest): RunbookAdapter | undefined {
    if (request.dryRun === true || this.isDryRun(request.runbook)) return undefined;
    return this.#adapters[request.runbook];
  }
}
