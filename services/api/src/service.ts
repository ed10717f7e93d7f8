import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { StateCaseGroupStore } from './adapters/state-case-group-store.ts';
import { StateCaseStore } from './adapters/state-case-store.ts';
import { ApiConfig } from './config.ts';
import { makeCaseProjector } from './projector.ts';
import { apiRoutes } from './routes.ts';

/** Composition of the analyst API: the case-view consumer and the HTTP routes. */
export const apiService: ServiceModule<ApiConfig> = {
  name: 'api',
  config: ApiConfig,
  async start(platform, config) {
    const retention = config.CASE_RETENTION_DAYS > 0 ? { retentionDays: config.CASE_RETENTION_DAYS } : {};
    const cases = new StateCaseStore(platform.state, retention);
    const groups = new StateCaseGroupStore(platform.state, { windowMinutes: config.CASE_GROUP_WINDOW_MINUTES, ...retention });
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.caseView.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeCaseProjector(cases, groups),
    );
    return { routes: apiRoutes({ cases, groups, bus: platform.bus, clock: platform.clock, approvers: config.CONTAINMENT_APPROVERS }), close: () => consumer.close() };
  },
};
