import express, { type Router } from 'express';
import { z } from 'zod';
import { problem, problemType, requireRole } from '@soc/http';
import type { Clock } from '@soc/runtime';
import { type KpiConfig, kpiReport } from './kpi-reader.ts';
import type { CaseStore, QuarantineCounter } from './ports.ts';
import { tenantScope } from './tenancy.ts';

/** What the KPI route needs. */
export interface KpiRoutesDeps {
  cases: CaseStore;
  /** Ingestion's quarantine, read only (the report-level `quarantine` count). */
  quarantine?: QuarantineCounter;
  clock: Clock;
  config: KpiConfig;
  /** The deployment's tenant (SOC_TENANT_ID): a principal without a grant sees it only. */
  tenantId: string;
}

/** The default window: the last 7 days. */
export const DEFAULT_KPI_WINDOW_MS = 7 * 86_400_000;
/** The widest window a request may ask for. */
export const MAX_KPI_WINDOW_MS = 90 * 86_400_000;

const optionalText = (schema: z.ZodType<string>) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

// Strict: a misspelt parameter (`?start=`) is a 400 naming it, not KPIs of another window than asked.
export const KpiQuery = z
  .object({
    from: optionalText(z.iso.datetime({ offset: true })),
    to: optionalText(z.iso.datetime({ offset: true })),
    tenant: optionalText(z.string().min(1).max(128)),
  })
  .strict();

/**
 * `GET /api/v1/kpis?from=&to=&tenant=`: the KPIs of the cases received in `[from, to)` (default the last 7 days, at
 * most 90), per tenant, of the caller's tenants only (a `tenant` outside them is 404; quarantine counts their senders').
 */
export function kpiRoutes(deps: KpiRoutesDeps): Router {
  const router = express.Router();
  router.get('/api/v1/kpis', requireRole('viewer'), async (req, res) => {
    const now = deps.clock.now();
    const query = KpiQuery.superRefine((q, ctx) => {
      const to = q.to === undefined ? now.getTime() : Date.parse(q.to);
      const from = q.from === undefined ? to - DEFAULT_KPI_WINDOW_MS : Date.parse(q.from);
      if (from >= to) ctx.addIssue({ code: 'custom', path: ['from'], message: 'from must be before to' });
      else if (to - from > MAX_KPI_WINDOW_MS) ctx.addIssue({ code: 'custom', path: ['from'], message: `the window is at most ${MAX_KPI_WINDOW_MS / 86_400_000} days` });
    }).parse(req.query);
    const to = query.to === undefined ? now : new Date(query.to);
    const from = query.from === undefined ? new Date(to.getTime() - DEFAULT_KPI_WINDOW_MS) : new Date(query.from);
    // The caller's tenants only: another tenant is answered as one that has no cases would be, never computed.
    const scope = tenantScope(res, deps.tenantId);
    if (query.tenant !== undefined && !scope.sees(query.tenant)) {
      problem(res, 404, { type: problemType('unknown-tenant'), title: 'Unknown tenant', detail: 'No tenant of yours has this id.' });
      return;
    }
    const sees = query.tenant !== undefined ? (t: string | undefined) => (t ?? deps.tenantId) === query.tenant : scope.sees;
    res.json(await kpiReport(deps.cases, deps.config, { from, to, now, tenants: scope.grant, sees, ...(query.tenant !== undefined ? { tenant: query.tenant } : {}) }, deps.quarantine));
  });
  return router;
}
