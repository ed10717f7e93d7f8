import express, { type Router } from 'express';
import { z } from 'zod';
import { huntQueriesFor } from '@soc/hunt';
import { problem, problemType } from '@soc/http';
import type { KqlGuard } from '@soc/kql';
import { foldCase } from './case-view.ts';
import type { CaseStore } from './ports.ts';

/** What the case hunt route needs. */
export interface CaseHuntRoutesDeps {
  cases: CaseStore;
  /** The same guard (and policy) the executor applies: a query shown here runs as shown. */
  guard: KqlGuard;
}

const HuntQuery = z.object({
  lookbackDays: z.coerce.number().int().min(1).max(90).default(7),
  limit: z.coerce.number().int().min(1).max(60).default(24),
});

/**
 * The hunt queries of a case: the vetted KQL (and, for Splunk alerts, SPL) templates filled with the case's
 * entities as escaped literals, each one passed through the guard; what the guard denied is listed with its
 * reasons, never shown as runnable. Computed on request (a guard check costs milliseconds per query, too much to
 * pay for every alert of a storm), so the queries always reflect the current templates and policy.
 */
export function caseHuntRoutes(deps: CaseHuntRoutesDeps): Router {
  const router = express.Router();
  router.get('/api/v1/alerts/:alertId/hunts', async (req, res) => {
    const options = HuntQuery.parse(req.query);
    const events = await deps.cases.events(req.params.alertId);
    const view = events.length === 0 ? undefined : foldCase(req.params.alertId, events);
    if (view?.alert == null) {
      problem(res, 404, { type: problemType('unknown-alert'), title: 'Unknown alert', detail: 'No alert with this id has been received (ids come from the 202 response of ingestion).' });
      return;
    }
    const { queries, dropped } = huntQueriesFor(view.alert, deps.guard, { lookbackDays: options.lookbackDays, maxQueries: options.limit, maxPerEntity: 4 });
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
