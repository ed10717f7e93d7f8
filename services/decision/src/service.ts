import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { DecisionConfig } from './config.ts';
import { makeDecisionHandler } from './handler.ts';
import { loadPolicy } from './policy.ts';

/** Composition of the decision service. */
export const decisionService: ServiceModule<DecisionConfig> = {
  name: 'decision',
  config: DecisionConfig,
  async start(platform, config) {
    const policy = loadPolicy(config.DECISION_POLICY_FILE);
    platform.log.info({ policy: policy.id, version: policy.version }, 'decision policy loaded');
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.decision.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeDecisionHandler({ policy, clock: platform.clock, internalNetworks: platform.env.SOC_INTERNAL_NETWORKS }),
    );
    return { close: () => consumer.close() };
  },
};
