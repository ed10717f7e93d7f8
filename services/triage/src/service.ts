import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { TriageConfig } from './config.ts';
import { loadTriageKnowledge } from './engine.ts';
import { makeTriageHandler } from './handler.ts';
import { loadWeights } from './weights.ts';

/** Composition of the triage service. */
export const triageService: ServiceModule<TriageConfig> = {
  name: 'triage',
  config: TriageConfig,
  async start(platform, config) {
    const weights = loadWeights(config.TRIAGE_WEIGHTS_FILE);
    const knowledge = loadTriageKnowledge();
    platform.log.info({ weightsVersion: weights.version, playbooks: knowledge.playbooks.size }, 'triage weights, ATT&CK catalog and playbooks loaded');
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.triage.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeTriageHandler({ weights, knowledge, clock: platform.clock }),
    );
    return { close: () => consumer.close() };
  },
};
