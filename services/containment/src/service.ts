import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { DryRunRunbooks } from './adapters/dry-run-runbooks.ts';
import { StateRequestStore } from './adapters/state-request-store.ts';
import { ContainmentConfig } from './config.ts';
import { makeContainmentHandler } from './handler.ts';

/** Composition of the containment service (embedded default: dry-run runbooks). */
export const containmentService: ServiceModule<ContainmentConfig> = {
  name: 'containment',
  config: ContainmentConfig,
  async start(platform, config) {
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.containment.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeContainmentHandler({
        requests: new StateRequestStore(platform.state),
        runbooks: new DryRunRunbooks(),
        clock: platform.clock,
        approvalTtlMs: config.CONTAINMENT_APPROVAL_TTL_MINUTES * 60_000,
      }),
    );
    return { close: () => consumer.close() };
  },
};
