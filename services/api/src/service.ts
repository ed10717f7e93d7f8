import express from 'express';
import { SUBSCRIPTIONS } from '@soc/contracts';
import { sharedHuntThread } from '@soc/hunt';
import { kqlPolicyOf, openKqlExecutor } from '@soc/log-analytics';
import type { ServiceModule } from '@soc/platform';
import { StateCaseGroupStore } from './adapters/state-case-group-store.ts';
import { StateCaseStore } from './adapters/state-case-store.ts';
import { ApiConfig } from './config.ts';
import { caseHuntRoutes } from './case-hunt-routes.ts';
import { huntRoutes } from './hunt-routes.ts';
import { makeCaseProjector } from './projector.ts';
import { apiRoutes } from './routes.ts';

/**
 * Composition of the analyst API: the case-view consumer, the HTTP routes, and hunting (validate-only by default,
 * Log Analytics when LOG_ANALYTICS_WORKSPACE_ID is set).
 */
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
    // One guard for both hunting routes, on a worker thread: a check must not stall the API and the case view.
    const guard = sharedHuntThread(kqlPolicyOf(config));
    guard.warmUp(); // an analyst's first hunt list should not wait a second for Kusto.Language to load
    const hunting = openKqlExecutor(config, { state: platform.state, log: platform.log, clock: platform.clock, guard });
    const routes = express.Router();
    routes.use(apiRoutes({ cases, groups, bus: platform.bus, clock: platform.clock, approvers: config.CONTAINMENT_APPROVERS }));
    routes.use(huntRoutes({ ...hunting, principals: config.HUNT_PRINCIPALS }));
    routes.use(caseHuntRoutes({ cases, hunts: guard }));
    return {
      routes,
      close: async () => {
        await consumer.close();
        await guard.close();
      },
    };
  },
};
