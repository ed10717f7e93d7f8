import express, { type Router } from 'express';
import { z } from 'zod';
import { requireRole } from '@soc/http';
import type { Clock } from '@soc/runtime';
import { scanStalled } from './journey-watchdog.ts';
import type { CaseStore } from './ports.ts';
import { tenantScope } from './tenancy.ts';

/** What the stalled-alerts route needs. */
export interface StalledRoutesDeps {
  cases: CaseStore;
  clock: Clock;
  /** The configured threshold (SOC_STALL_AFTER_SECONDS). */
  stallAfterSeconds: number;
  /** The deployment's tenant (SOC_TENANT_ID): the tenant of a case that names none. */
  tenantId: string;
}

/** A query number: `?x=` is absent, not 0 (coercion would read the empty string as 0). */
const queryNumber = (n: z.ZodNumber) => z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().pipe(n).optional());

// Strict: a misspelt parameter (`?after=60`, the CLI flag's name) is a 400 naming it, not a listing that ignored it.
export const StalledQuery = z
  .object({
    limit: queryNumber(z.number().int().min(1).max(1000)),
    /** Another threshold for this listing only, e.g. to look closer than the alerting one. */
    afterSeconds: queryNumber(z.number().int().min(0).max(604_800)),
  })
  .strict();

/**
 * `GET /api/v1/alerts/stalled`: alerts answered 202 with no decision after the threshold, oldest first, with the
 * stage each stopped at and its age. Mounted before `/api/v1/alerts/:alertId`, which would take `stalled` for an id.
 */
export function stalledRoutes(deps: StalledRoutesDeps): Router {
  const router = express.Router();
  router.get('/api/v1/alerts/stalled', requireRole('viewer'), async (req, res) => {
    const query = StalledQuery.parse(req.query);
    const afterSeconds = query.afterSeconds ?? deps.stallAfterSeconds;
    const scope = tenantScope(res, deps.tenantId);
    const stalled = await scanStalled(deps.cases, deps.clock.now(), afterSeconds * 1000, undefined, (s) => scope.sees(s.tenantId));
    res.json({ stallAfterSeconds: afterSeconds, count: stalled.length, items: stalled.slice(0, query.limit ?? 100) });
  });
  return router;
}
