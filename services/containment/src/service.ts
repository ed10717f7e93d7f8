import { StateFreezeSwitch, StateRequestLog } from '@soc/containment-requests';
import { SUBSCRIPTIONS } from '@soc/contracts';
import { DEFAULT_POLICY_URL, containmentRefusal, loadContainmentPolicy } from '@soc/guardrails';
import type { ServiceModule } from '@soc/platform';
import { DryRunRunbooks } from './adapters/dry-run-runbooks.ts';
import { ContainmentConfig } from './config.ts';
import { makeContainmentHandler } from './handler.ts';

/** Composition of the containment service (embedded default: dry-run runbooks). */
export const containmentService: ServiceModule<ContainmentConfig> = {
  name: 'containment',
  config: ContainmentConfig,
  async start(platform, config) {
    // The policy the decision applies, read from the same file: four-eyes, hourly caps and the target rules.
    const policy = loadContainmentPolicy(config.DECISION_POLICY_FILE ?? DEFAULT_POLICY_URL);
    const fourEyes = new Set(policy.fourEyesRunbooks);
    const internalNetworks = platform.env.SOC_INTERNAL_NETWORKS;
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.containment.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeContainmentHandler({
        requests: new StateRequestLog(platform.state),
        freeze: new StateFreezeSwitch(platform.state),
        audit: platform.audit,
        runbooks: new DryRunRunbooks(),
        clock: platform.clock,
        approvalTtlMs: config.CONTAINMENT_APPROVAL_TTL_MINUTES * 60_000,
        approvalsRequired: (runbook) => (fourEyes.has(runbook) ? 2 : 1),
        // The decision's own target check, again, on the facts it was decided on and under the policy in force.
        recheck: async (request) =>
          request.decidedOn === undefined
            ? 'the request records no facts it was decided on (asked before they were recorded); a new decision asks again'
            : containmentRefusal({ runbook: request.runbook, target: request.target }, { ...request.decidedOn, internalNetworks }, policy),
        limits: { perTargetPerHour: policy.maxPerTargetPerHour, perTenantPerHour: policy.maxPerTenantPerHour },
      }),
    );
    return { close: () => consumer.close() };
  },
};
