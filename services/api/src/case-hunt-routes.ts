import express, { type Router } from 'express';
import { LRUCache } from 'lru-cache';
import { z } from 'zod';
import type { Alert } from '@soc/contracts';
import type { HuntQueries, HuntThreadOptions } from '@soc/hunt';
import { problem, problemType, requireRole } from '@soc/http';
import { foldCase } from './case-view.ts';
import type { CaseStore } from './ports.ts';
import { tenantOfCase, tenantScope } from './tenancy.ts';

/** What the case hunt route needs. */
export interface CaseHuntRoutesDeps {
  cases: CaseStore;
  /** `HuntThread` with the same policy the executor applies (a query shown here runs as shown), off the event loop. */
  hunts: { huntQueriesFor(alert: Alert, options: HuntThreadOptions): Promise<HuntQueries> };
  /** Hunt lists kept for repeat views (default 500). */
  cacheSize?: number;
  /** The deployment's tenant (SOC_TENANT_ID): the tenant of a case that names none. */
  tenantId: string;
}

export const HuntQuery = z.object({
  lookbackDays: z.coerce.number().int().min(1).max(90).default(7),
  limit: z.coerce.number().int().min(1).max(60).default(24),
});

/**
 * The hunt queries of a case: the vetted KQL (and, for Splunk alerts, SPL) templates filled with the case's
 * entities as escaped literals, each one passed through the guard; what the guard denied is listed with its
 * reasons, never shown as runnable. Computed on the first request for a case (a guard check costs ~20 ms a query,
 * too much to pay for every alert of a storm) on the guard's worker thread, then kept: an alert never changes, and
 * templates and policy change only with a restart. Concurrent requests for one case share one computation.
 */
export function caseHuntRoutes(deps: CaseHuntRoutesDeps): Router {
  const router = express.Router();
  const cache = new LRUCache<string, Promise<HuntQueries>>({ max: deps.cacheSize ?? 500 });
  const huntsOf = (alert: Alert, options: HuntThreadOptions): Promise<HuntQueries> => {
    const key = JSON.stringify([alert.alertId, options.lookbackDays, options.maxQueries]);
    const cached = cache.get(key);
    if (cached) return cached;
    const computed = deps.hunts.huntQueriesFor(alert, options);
    cache.set(key, computed);
    // A failure (a busy or restarted worker) is not kept: the next request tries again.
    computed.catch(() => {
      if (cache.get(key) === computed) cache.delete(key);
    });
    return computed;
  };
  router.get('/api/v1/alerts/:alertId/hunts', requireRole('viewer'), async (req, res) => {
    const options = HuntQuery.parse(req.query);
    const events = await deps.cases.events(req.params.alertId);
    const view = events.length === 0 ? undefined : foldCase(req.params.alertId, events);
    if (view === undefined || !tenantScope(res, deps.tenantId).sees(tenantOfCase(events, view.alert))) {
      problem(res, 404, { type: problemType('unknown-alert'), title: 'Unknown alert', detail: 'No alert with this id has been received (ids come from the 202 response of ingestion).' });
      return;
    }
    if (view.alert === null) {
      // Later events of the journey are on record but not the received one, which carries the alert: after a
      // crash it is redelivered alongside newer events (on Service Bus, once the dead replica's lock expires).
      res.setHeader('Retry-After', '5');
      const detail = 'The case view has not recorded this alert yet (it is being redelivered); retry in a few seconds.';
      problem(res, 503, { type: problemType('case-catching-up'), title: 'Case not complete yet', detail });
      return;
    }
    const { queries, dropped } = await huntsOf(view.alert, { lookbackDays: options.lookbackDays, maxQueries: options.limit, maxPerEntity: 4 });
    res.json({
      alertId: view.alertId,
      correlationId: view.correlationId,
      lookbackDays: options.lookbackDays,
      queries,
      dropped,
      // The copilot's suggestions passed the same guard in triage; they are here for one place to read hunts from.
      copilot: view.triage?.copilot?.huntQueries ?? [],
    });
  });
  return router;
}
