import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { TriageConfig } from './config.ts';
import { makeTriageHandler } from './handler.ts';
import { loadWeights } from './weights.ts';

/** Composition of the triage service. */
export const triageService: ServiceModule<TriageConfig> = {
  name: 'triage',
  config: TriageConfig,
  async start(platform, config) {
    const weights = loadWeights(config.TRIAGE_WEIGHTS_FILE);
    platform.log.info({ weightsVersion: weights.version }, 'triage weights loaded');
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.triage.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeTriageHandler({ weights, clock: platform.clock }),
    );
    return { close: () => consumer.close() };
  },
};
