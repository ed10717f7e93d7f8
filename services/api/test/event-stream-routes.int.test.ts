import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DeliveryInfo } from '@soc/bus';
import { sampleAlert } from '@soc/contracts/testing';
import { type HttpServer, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { StateRecentCaseEvents } from '../src/adapters/state-recent-case-events.ts';
import { type CaseChangeFeed, startCaseChangeFeed } from '../src/live/change-feed.ts';
import { eventStreamRoutes } from '../src/live/event-stream-routes.ts';
import { makeCaseProjector } from '../src/projector.ts';
import './support/checked-fetch.ts';
import { type OpenStream, openStream } from './support/event-stream.ts';
import { decisionEvent, receivedEvent } from './support/sentinel-alerts.ts';

// The live stream over the case view's own store, filled by its own projector, the feed polling every 20 ms.
const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
const clock = manualClock('2026-12-07T10:00:00Z');
const state = new MemoryStateStore();
const cases = new StateCaseStore(state);
const groups = new StateCaseGroupStore(state, { windowMinutes: 60 });
const project = makeCaseProjector(cases, groups);
let feed: CaseChangeFeed;
let live: ReturnType<typeof eventStreamRoutes>;
let http: HttpServer;
const streams: OpenStream[] = [];

/** As authentication would: the principal, its roles and tenants (here from test headers). */
const as = (principal: string, tenants: string, roles = 'viewer') => ({ 'x-principal': principal, 'x-tenants': tenants, 'x-roles': roles });
const open = async (headers: Record<string, string>) => {
  const s = await openStream(`${http.url}/api/v1/events`, headers);
  streams.push(s);
  return s;
};
async function until(probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}
const hints = (s: OpenStream) => s.events().filter((e) => e.event === 'case-changed').map((e) => JSON.parse(e.data) as Record<string, unknown>);

beforeAll(async () => {
  feed = startCaseChangeFeed({ events: new StateRecentCaseEvents(state), groups, intervalMs: 20, warn: () => undefined });
  live = eventStreamRoutes({ feed, clock, tenantId: 'contoso', limits: { total: 4, perPrincipal: 2, heartbeatMs: 100, retryMs: 5000 } });
  const app = express();
  app.use((req, res, next) => {
    res.locals.principal = req.header('x-principal');
    res.locals.roles = (req.header('x-roles') ?? '').split(',').filter(Boolean);
    const tenants = req.header('x-tenants') ?? '';
    res.locals.tenants = tenants === '*' ? '*' : tenants.split(',').filter(Boolean);
    next();
  });
  app.use(live.router);
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  http = await listen(app, 0, '127.0.0.1', { graceMs: 60_000 });
  // An earlier case: it is the past when the streams open, never a hint.
  const old = sampleAlert({ alertId: 'live-old', tenantId: 'contoso' });
  await project(receivedEvent(old, new Date('2026-12-07T09:00:00Z')), delivery);
});
afterAll(async () => {
  for (const s of streams) s.close();
  await feed.close();
  await http.close();
});

describe('GET /api/v1/events', () => {
  it('streams retry, ready and heartbeats as text/event-stream, and hints of its tenants\' cases only, ids only', async () => {
    const contoso = await open(as('carla', 'contoso'));
    const fabrikam = await open(as('fred', 'fabrikam'));
    expect(contoso.status).toBe(200);
    expect(contoso.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(contoso.headers['cache-control']).toContain('no-cache');
    await until(() => contoso.events().filter((e) => e.event === 'heartbeat').length >= 2, 'two heartbeats');
    expect(contoso.text().startsWith('retry: 5000\n\n')).toBe(true);
    expect(contoso.events()[0]).toEqual({ event: 'ready', data: JSON.stringify({ heartbeatSeconds: 0 }) });
    await sleep(60); // the feed has primed: what happens now is news

    const a = sampleAlert({ alertId: 'live-a', tenantId: 'contoso', title: 'SECRET-TITLE of contoso' });
    await project(receivedEvent(a, new Date('2026-12-07T10:00:00Z')), delivery);
    await until(() => hints(contoso).length === 1, "contoso's hint");
    const [hint] = hints(contoso);
    expect(hint).toEqual({ alertId: 'live-a', groupId: (await groups.groupOf('live-a'))?.groupId ?? null });
    expect(hint!.groupId).toEqual(expect.any(String));
    expect(contoso.text()).not.toContain('SECRET-TITLE');

    const b = sampleAlert({ alertId: 'live-b', tenantId: 'fabrikam' });
    await project(receivedEvent(b, new Date('2026-12-07T10:00:01Z')), delivery);
    await until(() => hints(fabrikam).length === 1, "fabrikam's hint");
    expect(hints(fabrikam).map((h) => h.alertId)).toEqual(['live-b']); // never contoso's
    // A decision on contoso's case is a change too; fabrikam's stream is not told.
    await project(decisionEvent(a, new Date('2026-12-07T10:00:00Z'), 80, 'true-positive'), delivery);
    await until(() => hints(contoso).length === 2, 'the decision hint');
    await sleep(100);
    expect(hints(contoso).map((h) => h.alertId)).toEqual(['live-a', 'live-a']);
    expect(hints(fabrikam).map((h) => h.alertId)).toEqual(['live-b']);
    contoso.close();
    fabrikam.close();
    await until(() => live.open() === 0, 'the streams released');
  });

  it('refuses a stream beyond the per-principal and the total bounds (429 with Retry-After) and frees a slot on close', async () => {
    const first = await open(as('pat', 'contoso'));
    await open(as('pat', 'contoso'));
    const third = await fetch(`${http.url}/api/v1/events`, { headers: as('pat', 'contoso') });
    expect(third.status).toBe(429);
    expect(third.headers.get('retry-after')).toBe('5');
    expect(((await third.json()) as { type: string }).type).toBe('urn:soc:problem:too-many-streams');
    await open(as('quinn', '*'));
    await open(as('quinn', '*'));
    const fifth = await fetch(`${http.url}/api/v1/events`, { headers: as('rita', '*') });
    expect(fifth.status).toBe(429); // four open in all
    first.close();
    await until(() => live.open() === 3, 'a slot freed');
    const again = await open(as('rita', '*'));
    expect(again.status).toBe(200);
  });

  it('needs the viewer role and takes no parameters', async () => {
    expect((await fetch(`${http.url}/api/v1/events`, { headers: as('nemo', 'contoso', '') })).status).toBe(403);
    expect((await fetch(`${http.url}/api/v1/events?since=0`, { headers: as('nina', 'contoso') })).status).toBe(400);
  });

  it('ends every stream on drain (shutdown is not held by them), and refuses new ones with 503', async () => {
    const openOnes = streams.filter((s) => live.open() > 0 && s.status === 200);
    expect(live.open()).toBe(4);
    await live.drain();
    await Promise.all(openOnes.map((s) => s.ended));
    expect(live.open()).toBe(0);
    const late = await fetch(`${http.url}/api/v1/events`, { headers: as('sam', 'contoso') });
    expect(late.status).toBe(503);
    expect(late.headers.get('retry-after')).toBe('5');
  });
});
