import { StateFreezeSwitch, StateRequestLog } from '@soc/containment-requests';
import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { DryRunRunbooks } from './adapters/dry-run-runbooks.ts';
import { ContainmentConfig } from './config.ts';
import { makeContainmentHandler } from './handler.ts';

/** Composition of the containment service (embedded default: dry-run runbooks). */
export const containmentService: ServiceModule<ContainmentConfig> = {
  name: 'containment',
  config: ContainmentConfig,
  async start(platform, config) {
    const fourEyes = new Set(config.CONTAINMENT_FOUR_EYES_RUNBOOKS);
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
        // Merge point: the target-safety policy's re-check (libs/guardrails' containmentRefusal) plugs in here.
        recheck: async () => undefined,
        limits: { perTargetPerHour: config.CONTAINMENT_MAX_PER_TARGET_PER_HOUR, perTenantPerHour: config.CONTAINMENT_MAX_PER_TENANT_PER_HOUR },
      }),
    );
    return { close: () => consumer.close() };
  },
};
