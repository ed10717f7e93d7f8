import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { StateAlertHistory } from './adapters/state-alert-history.ts';
import { EnrichmentConfig } from './config.ts';
import { makeEnrichmentHandler } from './handler.ts';

/** Composition of the enrichment service. */
export const enrichmentService: ServiceModule<EnrichmentConfig> = {
  name: 'enrichment',
  config: EnrichmentConfig,
  async start(platform, config) {
    const history = new StateAlertHistory(platform.state, { retentionDays: config.HISTORY_RETENTION_DAYS });
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.enrichment.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeEnrichmentHandler({ history, clock: platform.clock }),
    );
    return { close: () => consumer.close() };
  },
};
