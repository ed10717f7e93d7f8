import express, { type Router } from 'express';
import { z } from 'zod';
import { SourceName } from '@soc/contracts';
import { mayAccess, problem, problemType, requireRole, tenantsOf } from '@soc/http';
import type { PipelineIngestor } from '../ingestor.ts';
import type { PayloadStore, QuarantineEntry, QuarantineStore } from '../ports.ts';

export const QuarantineListQuery = z.object({
  status: z.enum(['quarantined', 'replayed']).optional(),
  source: z.string().max(64).optional(),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

/** Bodies larger than this are shown truncated by `show`; `replay` always uses the whole stored body. */
const PREVIEW_CHARS = 64 * 1024;

/**
 * Operator routes over the quarantine (under `/api`, each needs an API token with the `admin` role: a quarantined
 * body is raw sender data, and a replay publishes alerts): list, show (reasons and the
 * stored body), replay one or all after a parser fix. A replay that parses publishes exactly what a fresh POST
 * would, with the same alert ids, so replaying twice never duplicates an alert. An admin sees the entries of its
 * tenants only (SOC_API_TENANTS; an entry's tenant is its sender's, `tenantId` the deployment's for one that names
 * none): another tenant's entry answers 404 like an unknown one, and lists and bulk replays leave it out.
 */
export function quarantineRoutes(deps: { ingestor: PipelineIngestor; quarantine: QuarantineStore; payloads: PayloadStore; tenantId: string }): Router {
  const router = express.Router();
  const admin = requireRole('admin');
  const visible = (res: express.Response) => (entry: QuarantineEntry): boolean => mayAccess(tenantsOf(res), entry.tenantId ?? deps.tenantId);
  router.get('/api/v1/quarantine', admin, async (req, res) => {
    const query = QuarantineListQuery.safeParse(req.query);
    if (!query.success) {
      problem(res, 400, { type: problemType('invalid-query'), title: 'Invalid query', errors: query.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
      return;
    }
    const entries = await deps.quarantine.list({ limit: query.data.limit, ...(query.data.status ? { status: query.data.status } : {}), ...(query.data.source ? { source: query.data.source } : {}) });
    // Filtered after the query: an admin of some tenants may see fewer than `limit` entries (ask for more).
    res.json({ items: entries.filter(visible(res)).map(summaryOf) });
  });
  router.get('/api/v1/quarantine/:id', admin, async (req, res) => {
    const entry = await deps.quarantine.get(req.params.id);
    if (entry === undefined || !visible(res)(entry)) {
      notFound(res, req.params.id);
      return;
    }
    const payload = await deps.payloads.get(entry.payloadKey);
    res.json({
      ...entry,
      body: payload === undefined ? null : payload.body.slice(0, PREVIEW_CHARS),
      bodyTruncated: payload !== undefined && payload.body.length > PREVIEW_CHARS,
      mediaType: payload?.mediaType ?? null,
    });
  });
  router.post('/api/v1/quarantine/:id/replay', admin, async (req, res) => {
    const as = req.query.source;
    const asSource = typeof as === 'string' ? SourceName.safeParse(as) : undefined;
    if (as !== undefined && !asSource?.success) {
      problem(res, 400, { type: problemType('invalid-query'), title: 'Unknown source', detail: `?source= must be one of ${SourceName.options.join(', ')}.` });
      return;
    }
    const entry = await deps.quarantine.get(req.params.id);
    const replayed = entry === undefined || !visible(res)(entry) ? undefined : await deps.ingestor.replay(req.params.id, asSource?.success ? asSource.data : undefined);
    if (replayed === undefined) {
      notFound(res, req.params.id);
      return;
    }
    res.status(replayed.result.kind === 'accepted' ? 200 : 422).json(replayOutcome(replayed.entry, replayed.result.kind));
  });
  router.post('/api/v1/quarantine/replay', admin, async (_req, res) => {
    const items = [];
    for (const entry of (await deps.quarantine.list({ status: 'quarantined', limit: 1000 })).filter(visible(res))) {
      const replayed = await deps.ingestor.replay(entry.id);
      if (replayed) items.push(replayOutcome(replayed.entry, replayed.result.kind));
    }
    res.json({ items });
  });
  return router;
}

function summaryOf(e: QuarantineEntry) {
  return { id: e.id, source: e.source, sender: e.sender, ...(e.tenantId !== undefined ? { tenantId: e.tenantId } : {}), receivedVia: e.receivedVia, receivedAt: e.receivedAt, reason: e.reason, bytes: e.bytes, status: e.status, ...(e.replayedAt ? { replayedAt: e.replayedAt } : {}) };
}

function replayOutcome(entry: QuarantineEntry, kind: string) {
  return {
    id: entry.id,
    outcome: kind === 'accepted' ? 'replayed' : 'still-refused',
    status: entry.status,
    ...(entry.alertIds ? { alertIds: entry.alertIds } : {}),
    ...(kind !== 'accepted' ? { errors: entry.lastReplayErrors ?? [] } : {}),
  };
}

function notFound(res: express.Response, id: string): void {
  problem(res, 404, { type: problemType('not-found'), title: 'No such quarantine entry', detail: `No quarantine entry '${id.slice(0, 80)}' (GET /api/v1/quarantine lists them; entries expire after INGEST_QUARANTINE_RETENTION_DAYS).` });
}
