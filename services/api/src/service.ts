import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { StateCaseStore } from './adapters/state-case-store.ts';
import { ApiConfig } from './config.ts';
import { makeCaseProjector } from './projector.ts';
import { apiRoutes } from './routes.ts';

/** Composition of the analyst API: the case-view consumer and the HTTP routes. */
export const apiService: ServiceModule<ApiConfig> = {
  name: 'api',
  config: ApiConfig,
  async start(platform, config) {
    const cases = new StateCaseStore(platform.state, config.CASE_RETENTION_DAYS > 0 ? { retentionDays: config.CASE_RETENTION_DAYS } : {});
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.caseView.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeCaseProjector(cases),
    );
    return { routes: apiRoutes({ cases, bus: platform.bus, clock: platform.clock, approvers: config.CONTAINMENT_APPROVERS }), close: () => consumer.close() };
  },
};
