import express, { type Router } from 'express';
import type { Bus } from '@soc/bus';
import { jsonBody, problem, problemType } from '@soc/http';
import type { Clock } from '@soc/runtime';
import { acceptGeneric } from './handler.ts';

/** What the ingestion routes need. */
export interface IngestionRoutesDeps {
  bus: Bus;
  clock: Clock;
  tenantId: string;
  maxBodyBytes: number;
  maxBatch: number;
}

const SOURCES = ['generic'] as const;

/**
 * `POST /api/v1/alerts/{source}`: authenticated upstream (bearer), size- and type-checked, validated whole,
 * published durably, then 202. A 202 is never sent for an alert that is not on the bus.
 */
export function ingestionRoutes(deps: IngestionRoutesDeps): Router {
  const router = express.Router();
  router.post('/api/v1/alerts/:source', jsonBody({ limitBytes: deps.maxBodyBytes }), async (req, res) => {
    const source = req.params.source;
    if (source !== 'generic') {
      problem(res, 404, {
        type: problemType('unknown-source'),
        title: 'Unknown alert source',
        detail: `Supported sources: ${SOURCES.join(', ')}.`,
      });
      return;
    }
    const principal = String(res.locals.principal ?? 'unknown');
    const outcome = acceptGeneric(req.body, { tenantId: deps.tenantId, sender: principal, receivedAt: deps.clock.now(), receivedVia: 'http' }, deps.maxBatch);
    if (!outcome.ok) {
      problem(res, 400, {
        type: problemType('invalid-alert'),
        title: 'The alert does not match the generic alert format',
        detail: 'Nothing was accepted; fix the listed fields and resend. The format is documented in services/ingestion/README.md.',
        errors: outcome.errors.map((e) => ({ path: Array.isArray(req.body) ? `[${e.index}].${e.path}` : e.path, message: e.message })),
      });
      return;
    }
    await deps.bus.publish(outcome.events);
    res.status(202).json(Array.isArray(req.body) ? { items: outcome.receipts } : outcome.receipts[0]);
  });
  return router;
}
