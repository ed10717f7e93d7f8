import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryInfo } from '@soc/bus';
import { type HttpServer, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { makeCaseProjector } from '../src/projector.ts';
import { stalledRoutes } from '../src/stalled-routes.ts';
import { receivedEvent, sentinelAlerts } from './support/sentinel-alerts.ts';
import './support/checked-fetch.ts';

const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
const t0 = new Date('2026-11-23T10:00:00.000Z');
let http: HttpServer;
const get = async (path: string) => {
  const res = await fetch(`${http.url}${path}`);
  return { status: res.status, body: (await res.json()) as { count?: number; stallAfterSeconds?: number; detail?: string } };
};

beforeAll(async () => {
  const state = new MemoryStateStore();
  const cases = new StateCaseStore(state);
  const project = makeCaseProjector(cases, new StateCaseGroupStore(state, { windowMinutes: 60 }));
  // One alert received 10 minutes ago that never got further; one received a minute ago.
  const [old, recent] = sentinelAlerts();
  await project(receivedEvent(old!, t0), delivery);
  await project(receivedEvent(recent!, new Date(t0.getTime() + 9 * 60_000)), delivery);
  const app = express();
  app.use((_req, res, next) => {
    res.locals.principal = 'vera';
    res.locals.roles = ['viewer'];
    res.locals.tenants = '*'; // every tenant: tenant scoping has its own tests (tenants.int.test.ts)
    next();
  });
  app.use(stalledRoutes({ tenantId: 'contoso', cases, clock: manualClock(new Date(t0.getTime() + 10 * 60_000)), stallAfterSeconds: 300 }));
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  http = await listen(app, 0, '127.0.0.1');
});
afterAll(() => http.close());

describe('GET /api/v1/alerts/stalled', () => {
  it('lists by the configured threshold, or by afterSeconds for this listing', async () => {
    expect((await get('/api/v1/alerts/stalled')).body).toMatchObject({ stallAfterSeconds: 300, count: 1 });
    expect((await get('/api/v1/alerts/stalled?afterSeconds=30')).body).toMatchObject({ stallAfterSeconds: 30, count: 2 });
  });

  it('an empty parameter is absent, not 0, and a misspelt one is a 400 naming it', async () => {
    expect((await get('/api/v1/alerts/stalled?afterSeconds=&limit=')).body).toMatchObject({ stallAfterSeconds: 300, count: 1 });
    const typo = await get('/api/v1/alerts/stalled?after=30');
    expect(typo.status).toBe(400);
    expect(JSON.stringify(typo.body)).toContain('after');
  });
});
