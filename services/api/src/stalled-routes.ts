import express, { type Router } from 'express';
import { z } from 'zod';
import type { Clock } from '@soc/runtime';
import { scanStalled } from './journey-watchdog.ts';
import type { CaseStore } from './ports.ts';

/** What the stalled-alerts route needs. */
export interface StalledRoutesDeps {
  cases: CaseStore;
  clock: Clock;
  /** The configured threshold (SOC_STALL_AFTER_SECONDS). */
  stallAfterSeconds: number;
}

const StalledQuery = z.object({
  limit: z.coerce.number().int().min(1).max(1000).default(100),
  /** Another threshold for this listing only, e.g. to look closer than the alerting one. */
  afterSeconds: z.coerce.number().int().min(0).max(604_800).optional(),
});

/**
 * `GET /api/v1/alerts/stalled`: alerts answered 202 with no decision after the threshold, oldest first, with the
 * stage each stopped at and its age. Mounted before `/api/v1/alerts/:alertId`, which would take `stalled` for an id.
 */
export function stalledRoutes(deps: StalledRoutesDeps): Router {
  const router = express.Router();
  router.get('/api/v1/alerts/stalled', async (req, res) => {
    const query = StalledQuery.parse(req.query);
    const afterSeconds = query.afterSeconds ?? deps.stallAfterSeconds;
    const stalled = await scanStalled(deps.cases, deps.clock.now(), afterSeconds * 1000);
    res.json({ stallAfterSeconds: afterSeconds, count: stalled.length, items: stalled.slice(0, query.limit) });
  });
  return router;
}
