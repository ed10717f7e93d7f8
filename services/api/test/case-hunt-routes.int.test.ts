import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryInfo } from '@soc/bus';
import type { Alert } from '@soc/contracts';
import type { HuntQueries, HuntThreadOptions } from '@soc/hunt';
import { type HttpServer, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { AppError, ErrorCode } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { caseHuntRoutes } from '../src/case-hunt-routes.ts';
import { makeCaseProjector } from '../src/projector.ts';
import { decisionEvent, receivedEvent, sentinelAlerts } from './support/sentinel-alerts.ts';
import './support/checked-fetch.ts';

const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 23, 10, minutes));
const [received, decidedOnly, flaky] = sentinelAlerts();

/** The hunt thread's place: records each computation; answers slowly enough for requests to overlap. */
const calls: { alertId: string; options: HuntThreadOptions }[] = [];
let failNext = false;
const hunts = {
  async huntQueriesFor(alert: Alert, options: HuntThreadOptions): Promise<HuntQueries> {
    calls.push({ alertId: alert.alertId, options });
    await new Promise((resolve) => setTimeout(resolve, 50));
    if (failNext) {
      failNext = false;
      throw new AppError(ErrorCode.RATE_LIMITED, 'The KQL guard has 64 queries queued (the limit); retry in a few seconds', { retryable: true });
    }
    return { queries: [], dropped: [{ templateId: 'x', entityId: alert.entities[0]?.id ?? 'none', reason: 'over-cap', message: `computation ${calls.length}` }] };
  },
};

let http: HttpServer;
const get = async (path: string) => {
  const res = await fetch(`${http.url}${path}`);
  return { status: res.status, retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  const state = new MemoryStateStore();
  const cases = new StateCaseStore(state);
  const project = makeCaseProjector(cases, new StateCaseGroupStore(state, { windowMinutes: 60 }));
  await project(receivedEvent(received!, at(0)), delivery);
  await project(receivedEvent(flaky!, at(0)), delivery);
  // Only the decision: the received event is still locked by a process that died (redelivered after its lock).
  await project(decisionEvent(decidedOnly!, at(1), 40, 'benign-positive'), delivery);
  const app = express();
  app.use((_req, res, next) => {
    res.locals.principal = 'vera';
    res.locals.roles = ['viewer'];
    res.locals.tenants = '*'; // every tenant: tenant scoping has its own tests (tenants.int.test.ts)
    next();
  });
  app.use(caseHuntRoutes({ tenantId: 'contoso', cases, hunts }));
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  http = await listen(app, 0, '127.0.0.1');
});
afterAll(() => http.close());

describe('GET /api/v1/alerts/{id}/hunts', () => {
  it('computes a case once for concurrent and repeat views, per lookback and limit', async () => {
    const path = `/api/v1/alerts/${encodeURIComponent(received!.alertId)}/hunts?lookbackDays=3&limit=10`;
    const [a, b] = await Promise.all([get(path), get(path)]);
    expect(a.status).toBe(200);
    expect(b.body).toEqual(a.body);
    expect((await get(path)).body).toEqual(a.body);
    expect(calls.filter((c) => c.alertId === received!.alertId)).toEqual([{ alertId: received!.alertId, options: { lookbackDays: 3, maxQueries: 10, maxPerEntity: 4 } }]);
    await get(`/api/v1/alerts/${encodeURIComponent(received!.alertId)}/hunts?lookbackDays=7&limit=10`);
    expect(calls.filter((c) => c.alertId === received!.alertId)).toHaveLength(2);
  });

  it('passes a busy guard on as 429 and does not keep the failure', async () => {
    failNext = true;
    const path = `/api/v1/alerts/${encodeURIComponent(flaky!.alertId)}/hunts`;
    const busy = await get(path);
    expect(busy.status).toBe(429);
    expect(busy.retryAfter).not.toBeNull();
    expect(String(busy.body.detail)).toMatch(/retry in a few seconds/);
    expect((await get(path)).status).toBe(200);
  });

  it('says 503 with Retry-After while the case has later events but not yet the alert itself, 404 for an unknown id', async () => {
    const pending = await get(`/api/v1/alerts/${encodeURIComponent(decidedOnly!.alertId)}/hunts`);
    expect(pending.status).toBe(503);
    expect(pending.retryAfter).toBe('5');
    expect(String(pending.body.detail)).toMatch(/has not recorded this alert yet/);
    expect((await get('/api/v1/alerts/no-such-alert/hunts')).status).toBe(404);
    expect(calls.some((c) => c.alertId === decidedOnly!.alertId)).toBe(false);
  });
});

describe('GET /api/v1/alerts/{id}/hunts with the copilot\'s suggestions', () => {
  it('lists the copilot\'s guarded KQL suggestions from triage as text (as the OpenAPI document says)', async () => {
    const state = new MemoryStateStore();
    const cases = new StateCaseStore(state);
    const project = makeCaseProjector(cases, new StateCaseGroupStore(state, { windowMinutes: 60 }));
    const decided = decisionEvent(received!, at(0), 70, 'true-positive');
    const suggestion = 'SigninLogs | where TimeGenerated > ago(1d) | where IPAddress == "203.0.113.7" | take 50';
    (decided.data.triage as { copilot?: unknown }).copilot = { status: 'advised', model: 'm', evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [suggestion], removed: [] };
    await project(receivedEvent(received!, at(0)), delivery);
    await project(decided, delivery);
    const app = express();
    app.use((_req, res, next) => {
      res.locals.principal = 'vera';
      res.locals.roles = ['viewer'];
      res.locals.tenants = '*';
      next();
    });
    app.use(caseHuntRoutes({ tenantId: 'contoso', cases, hunts }));
    app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
    const server = await listen(app, 0, '127.0.0.1');
    try {
      const res = await fetch(`${server.url}/api/v1/alerts/${encodeURIComponent(received!.alertId)}/hunts`);
      expect(res.status).toBe(200);
      expect(((await res.json()) as { copilot: unknown[] }).copilot).toEqual([suggestion]);
    } finally {
      await server.close();
    }
  });
});
