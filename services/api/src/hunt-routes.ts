import express, { type Router } from 'express';
import { z } from 'zod';
import { jsonBody, problem, problemType, requireRole } from '@soc/http';
import type { KqlAuditLog, KqlExecutor } from '@soc/log-analytics';

/** What the hunt routes need. */
export interface HuntRoutesDeps {
  executor: KqlExecutor;
  audit: KqlAuditLog;
}

/** Longest query text accepted; the guard's policy may set a lower limit, and denies (and audits) above it. */
export const MAX_HUNT_QUERY_CHARS = 64 * 1024;

export const QueryBody = z
  .object({
    query: z.string().min(1).max(MAX_HUNT_QUERY_CHARS),
    purpose: z.string().trim().min(3, 'say why the query runs (a case id, a hunt hypothesis): the audit trail records it').max(500),
    /** A case's correlation id, to tie the hunt to its journey; default the request id. */
    correlationId: z.string().regex(/^[\w.:-]{1,128}$/, 'letters, digits and . _ : - only, at most 128').optional(),
  })
  .strict();
export const AuditListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(100).default(50),
  before: z.coerce.number().int().min(1).optional(),
});

/**
 * Threat hunting over Log Analytics: run a KQL query (only after the guard allowed it; every run audited) and read
 * the audit trail. The caller is the token's principal, never a field of the body. Hunting reads the workspace's
 * logs: every route needs the `hunter` role.
 */
export function huntRoutes(deps: HuntRoutesDeps): Router {
  const router = express.Router();
  const hunter = requireRole('hunter');

  router.post('/api/v1/hunt/queries', hunter, jsonBody({ limitBytes: MAX_HUNT_QUERY_CHARS * 2 }), async (req, res) => {
    const body = QueryBody.parse(req.body ?? {});
    // Stop a long Log Analytics run when the analyst gives up on it.
    const cancel = new AbortController();
    res.once('close', () => {
      if (!res.writableFinished) cancel.abort();
    });
    const correlationId = body.correlationId ?? (typeof res.locals.requestId === 'string' ? res.locals.requestId : undefined);
    const result = await deps.executor.run({
      query: body.query,
      purpose: body.purpose,
      caller: String(res.locals.principal),
      ...(correlationId !== undefined ? { correlationId } : {}),
      signal: cancel.signal,
    });
    if (result.error?.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(result.error.retryAfterSeconds));
    res.json({ backend: deps.executor.backend, ...result });
  });

  router.get('/api/v1/hunt/audit', hunter, async (req, res) => {
    const query = AuditListQuery.parse(req.query);
    res.json(await deps.audit.list({ limit: query.limit, ...(query.before !== undefined ? { before: query.before } : {}) }));
  });

  router.get('/api/v1/hunt/audit/:auditId', hunter, async (req, res) => {
    const record = /^kqa-\d{12}$/.test(req.params.auditId) ? await deps.audit.get(req.params.auditId) : undefined;
    if (!record) {
      problem(res, 404, { type: problemType('unknown-audit-record'), title: 'Unknown audit record', detail: 'No KQL run has this audit id (ids come from POST /api/v1/hunt/queries and GET /api/v1/hunt/audit); records expire after KQL_AUDIT_RETENTION_DAYS.' });
      return;
    }
    res.json(record);
  });
  return router;
}
