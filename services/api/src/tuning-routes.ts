import express, { type Router } from 'express';
import { z } from 'zod';
import { jsonBody, problem, problemType, requireRole } from '@soc/http';
import { AppError, type Clock, ErrorCode, isAppError } from '@soc/runtime';
import { MAX_TUNING_ENTRIES, type TriageTuningStore, type TuningEntry, TuningEntryInput, tuningProblems } from '@soc/triage-tuning';
import { tenantScope } from './tenancy.ts';

/** What the triage tuning routes need. */
export interface TuningRoutesDeps {
  /** The versioned store; it audits every change as `config.changed` before it is written. */
  tuning: TriageTuningStore;
  clock: Clock;
  /** The deployment's tenant (SOC_TENANT_ID): what an admin with no SOC_API_TENANTS entry may tune. */
  tenantId: string;
}

const Tenant = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/u, 'a tenant id: letters, digits, dot, dash, underscore');
export const PutBody = z.object({ version: z.number().int().min(0), entries: z.array(TuningEntryInput).max(MAX_TUNING_ENTRIES) }).strict();

type TenantParams = { tenant: string };

/**
 * Per-tenant triage tuning (ADR 0014), admin only: read the current version, its history and old versions, and
 * replace the entries on top of the version read (409 when another change came first, 400 naming every problem,
 * 503 when the change cannot be audited: then nothing changed).
 */
export function tuningRoutes(deps: TuningRoutesDeps): Router {
  const router = express.Router();
  const path = '/api/v1/tenants/:tenant/triage-tuning';
  /** The tenant of the path when the caller's tenants include it; otherwise answers 404, whether or not the tenant exists, and gives undefined. */
  const tenantOf = (req: express.Request<TenantParams>, res: express.Response): string | undefined => {
    const tenantId = Tenant.parse(req.params.tenant);
    if (tenantScope(res, deps.tenantId).sees(tenantId)) return tenantId;
    problem(res, 404, { type: problemType('unknown-tenant'), title: 'Unknown tenant', detail: 'No tenant of yours has this id (SOC_API_TENANTS names the tenants of each principal).' });
    return undefined;
  };

  router.get(path, requireRole('admin'), async (req: express.Request<TenantParams>, res) => {
    const tenantId = tenantOf(req, res);
    if (tenantId === undefined) return;
    const current = await deps.tuning.current(tenantId);
    res.json(current ?? { tenantId, version: 0, sha256: null, previousSha256: null, changedBy: null, changedAt: null, entries: [] });
  });

  router.get(`${path}/versions`, requireRole('admin'), async (req: express.Request<TenantParams>, res) => {
    const tenantId = tenantOf(req, res);
    if (tenantId === undefined) return;
    res.json({ tenantId, items: await deps.tuning.history(tenantId) });
  });

  router.get(`${path}/versions/:version`, requireRole('admin'), async (req: express.Request<TenantParams & { version: string }>, res) => {
    const tenantId = tenantOf(req, res);
    if (tenantId === undefined) return;
    const version = z.coerce.number().int().positive().parse(req.params.version);
    const found = await deps.tuning.version(tenantId, version);
    if (found === undefined) {
      problem(res, 404, { type: problemType('unknown-tuning-version'), title: 'Unknown tuning version', detail: `Tenant ${tenantId} has no triage tuning version ${version}.` });
      return;
    }
    res.json(found);
  });

  router.put(path, requireRole('admin'), jsonBody({ limitBytes: 512 * 1024 }), async (req: express.Request<TenantParams>, res) => {
    const tenantId = tenantOf(req, res);
    if (tenantId === undefined) return;
    const input = PutBody.parse(req.body ?? {});
    const principal = String(res.locals.principal);
    const now = deps.clock.now();
    const entries: TuningEntry[] = input.entries.map((e) => ({ ...e, author: e.author ?? principal }));
    const problems = tuningProblems(entries, now);
    if (problems.length > 0) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, `The tuning was not stored: ${problems.length} problem(s).`, {
        retryable: false,
        details: { errors: problems.map((message) => ({ path: 'entries', message })) },
      });
    }
    let stored;
    try {
      stored = await deps.tuning.change({ tenantId, expectedVersion: input.version, entries, principal, at: now });
    } catch (error) {
      if (isAppError(error) && error.code === ErrorCode.CONFLICT) throw error;
      problem(res, 503, { type: problemType('audit-unavailable'), title: 'Audit trail unavailable', detail: 'The tuning was not changed: the change could not be audited or stored. Retry later.' });
      return;
    }
    res.json(stored);
  });
  return router;
}
