import type { KqlExecutor, KqlRunRequest, KqlRunResult } from '../executor.ts';
import { type GuardedRunDeps, runGuarded } from '../guarded-run.ts';

/** Why the embedded default shows a query instead of running it, and how to change that. */
export const NOT_CONFIGURED_REASON =
  'The query passed the KQL guard but was not run: no Log Analytics workspace is configured. `verdict.query` is the text that would run. ' +
  'To run hunt queries, set LOG_ANALYTICS_WORKSPACE_ID (and LOG_ANALYTICS_ENDPOINT for a sovereign cloud) and give the service identity the Log Analytics Reader role on the workspace.';

/**
 * The embedded default: no Log Analytics. Queries pass the guard and the audit trail like any other, and come back
 * `not-executed` with the query as it would run.
 */
export class ValidateOnlyExecutor implements KqlExecutor {
  readonly backend = 'validate-only' as const;
  readonly #deps: GuardedRunDeps;

  constructor(deps: GuardedRunDeps) {
    this.#deps = deps;
  }

  run(request: KqlRunRequest): Promise<KqlRunResult> {
    return runGuarded(request, this.#deps, { kind: this.backend, workspaceId: null, run: async () => ({ status: 'not-executed', reason: NOT_CONFIGURED_REASON }) });
  }
}
