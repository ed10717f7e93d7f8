import express from 'express';
import { StateRequestLog } from '@soc/containment-requests';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditTrail, StateAuditTrail } from '@soc/audit';
import { type Bus, type DeliveryInfo, MemoryBus } from '@soc/bus';
import { type SocEvent, caseGroupKey, parseEvent } from '@soc/contracts';
import { type HttpServer, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { makeCaseProjector } from '../src/projector.ts';
import { apiRoutes } from '../src/routes.ts';
import { receivedEvent, sentinelAlerts } from './support/sentinel-alerts.ts';
import './support/checked-fetch.ts';

const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
const alert = sentinelAlerts().find((a) => a.rule?.name === 'Suspicious Powershell Activity Detected')!;
const published: SocEvent[] = [];
const clock = manualClock('2026-11-23T11:00:00Z');

let http: HttpServer;
let trail: StateAuditTrail;
let auditDown = false;
/** The caller's roles, as authentication would set them. */
let roles = ['viewer', 'analyst'];
/** The real audit trail, with a switch that makes its store refuse writes. */
const audit: AuditTrail = {
  append: (entry) => (auditDown ? Promise.reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'state down', { retryable: true })) : trail.append(entry)),
};
let project: ReturnType<typeof makeCaseProjector>;
const post = async (path: string, body: unknown) => {
  const res = await fetch(`${http.url}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
};
const caseOf = async (alertId: string) => (await (await fetch(`${http.url}/api/v1/alerts/${alertId}`)).json()) as { disposition: unknown; timeline: { type: string }[] };

beforeAll(async () => {
  const state = new MemoryStateStore();
  trail = new StateAuditTrail(state, { clock });
  const cases = new StateCaseStore(state);
  project = makeCaseProjector(cases, new StateCaseGroupStore(state, { windowMinutes: 60 }));
  await project(receivedEvent(alert, new Date('2026-11-23T10:00:00Z')), delivery);
  // The case view's subscription, in-line: every published event is recorded and projected before publish resolves.
  const inner = new MemoryBus();
  const bus: Bus = {
    ensureTopology: (s) => inner.ensureTopology(s),
    publish: async (events) => {
      for (const e of events) {
        published.push(e);
        await project(e, delivery);
      }
    },
    subscribe: (o, h) => inner.subscribe(o, h),
    deadLetters: inner.deadLetters,
    depth: () => inner.depth(),
    probe: () => inner.probe(),
    close: () => inner.close(),
  };
  const app = express();
  app.use((_req, res, next) => {
    res.locals.principal = 'a.khan@contoso.com';
    res.locals.roles = roles;
    res.locals.tenants = '*'; // every tenant: tenant scoping has its own tests (tenants.int.test.ts)
    next();
  });
  app.use(apiRoutes({ tenantId: 'contoso', cases, groups: new StateCaseGroupStore(state, { windowMinutes: 60 }), bus, clock, audit, requests: new StateRequestLog(new MemoryStateStore()) }));
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  http = await listen(app, 0, '127.0.0.1');
});
afterAll(() => http.close());

describe('POST /api/v1/alerts/{alertId}/disposition', () => {
  it('records the analyst disposition as soc.alert.dispositioned.v1, caused by the received alert, and the case shows it', async () => {
    const res = await post(`/api/v1/alerts/${alert.alertId}/disposition`, { disposition: 'false-positive', note: 'Admin script run by the patching job' });
    expect(res.status).toBe(202);
    expect(res.body).toMatchObject({ alertId: alert.alertId, disposition: 'false-positive', analyst: 'a.khan@contoso.com', changed: true });
    expect(published).toHaveLength(1);
    const parsed = parseEvent(JSON.parse(JSON.stringify(published[0])));
    expect(parsed.ok).toBe(true);
    expect(published[0]).toMatchObject({
      type: 'soc.alert.dispositioned.v1',
      source: '/soc/api',
      subject: alert.alertId,
      tenantid: alert.tenantId,
      correlationid: `corr-${alert.alertId}`,
      causationid: `rcv-${alert.alertId}`,
      data: {
        alertId: alert.alertId,
        tenantId: alert.tenantId,
        rule: { source: alert.source.name, name: 'Suspicious Powershell Activity Detected', title: alert.title },
        entityIds: alert.entities.map((e) => e.id),
        disposition: 'false-positive',
        caseGroup: caseGroupKey(alert),
        vendor: { alertId: alert.source.vendorAlertId },
        note: 'Admin script run by the patching job',
        analyst: 'a.khan@contoso.com',
        at: '2026-11-23T11:00:00.000Z',
      },
    });
    const [record] = await trail.list({ stream: 'disposition' });
    expect(record).toMatchObject({
      kind: 'disposition.recorded',
      actor: 'a.khan@contoso.com',
      subject: alert.alertId,
      tenantId: alert.tenantId,
      data: { eventId: published[0]?.id, disposition: 'false-positive', previous: null, noteLength: 36 },
    });
    expect(JSON.stringify(record)).not.toContain('patching job');
    const view = await caseOf(alert.alertId);
    expect(view.disposition).toEqual({ disposition: 'false-positive', note: 'Admin script run by the patching job', analyst: 'a.khan@contoso.com', at: '2026-11-23T11:00:00.000Z' });
  });

  it('is idempotent for the same disposition, and a changed one supersedes', async () => {
    const again = await post(`/api/v1/alerts/${alert.alertId}/disposition`, { disposition: 'false-positive', note: 'Admin script run by the patching job' });
    expect(again).toMatchObject({ status: 200, body: { changed: false, disposition: 'false-positive' } });
    expect(published).toHaveLength(1);

    clock.advance(60_000);
    const changed = await post(`/api/v1/alerts/${alert.alertId}/disposition`, { disposition: 'true-positive' });
    expect(changed).toMatchObject({ status: 202, body: { changed: true, disposition: 'true-positive' } });
    expect(published).toHaveLength(2);
    const view = await caseOf(alert.alertId);
    expect(view.disposition).toEqual({ disposition: 'true-positive', analyst: 'a.khan@contoso.com', at: '2026-11-23T11:01:00.000Z' });
    expect(view.timeline.filter((t) => t.type === 'soc.alert.dispositioned.v1')).toHaveLength(2);
  });

  it('refuses with 503 and publishes nothing when the disposition cannot be audited', async () => {
    auditDown = true;
    try {
      const res = await post(`/api/v1/alerts/${alert.alertId}/disposition`, { disposition: 'benign-positive' });
      expect(res.status).toBe(503);
      expect(res.body).toMatchObject({ type: 'urn:soc:problem:audit-unavailable' });
    } finally {
      auditDown = false;
    }
    expect(published).toHaveLength(2);
    expect((await trail.list({ stream: 'disposition' })).map((r) => r.data['disposition'])).toEqual(['true-positive', 'false-positive']);
  });

  it('answers 404 for an unknown alert and 400 with field errors for bad input', async () => {
    const unknown = await post('/api/v1/alerts/alt-nope/disposition', { disposition: 'true-positive' });
    expect(unknown.status).toBe(404);
    const bad = await post(`/api/v1/alerts/${alert.alertId}/disposition`, { disposition: 'maybe', note: 'x'.repeat(2001), extra: 1 });
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
    const fields = (bad.body.errors as { field?: string; pointer?: string; path?: string }[]).map((e) => JSON.stringify(e));
    expect(fields.some((f) => f.includes('disposition'))).toBe(true);
    expect(fields.some((f) => f.includes('note'))).toBe(true);
    expect(published).toHaveLength(2);
  });

  it('names only the entities the source named: an address written into the description gains no analyst history', async () => {
    const mentioned = { id: 'ip:203.0.113.9', type: 'ip' as const, value: '203.0.113.9', origin: 'extracted' as const };
    const hostile = { ...alert, alertId: `${alert.alertId}-mentions`, entities: [...alert.entities, mentioned] };
    await project(receivedEvent(hostile, new Date('2026-11-23T10:30:00Z')), delivery);
    const res = await post(`/api/v1/alerts/${hostile.alertId}/disposition`, { disposition: 'false-positive' });
    expect(res.status).toBe(202);
    const event = published.at(-1);
    expect(event?.type).toBe('soc.alert.dispositioned.v1');
    expect(event?.type === 'soc.alert.dispositioned.v1' && event.data.entityIds).toEqual(alert.entities.map((e) => e.id));
  });

  it('refuses a principal without the analyst role (403): only analysts\' dispositions reach history', async () => {
    const before = published.length;
    roles = ['viewer', 'approver'];
    try {
      const res = await post(`/api/v1/alerts/${alert.alertId}/disposition`, { disposition: 'benign-positive' });
      expect(res.status).toBe(403);
    } finally {
      roles = ['viewer', 'analyst'];
    }
    expect(published).toHaveLength(before);
  });

  it('carries what the event shows (its event shape) so history counts the disposition per rule and shape, and none for an alert without one', async () => {
    expect(published[0]?.type === 'soc.alert.dispositioned.v1' && 'shape' in published[0].data).toBe(false);
    const spawned = {
      ...alert,
      alertId: `${alert.alertId}-process`,
      entities: [...alert.entities, { id: 'process:powershell.exe', type: 'process' as const, value: 'powershell.exe', name: 'powershell.exe', parentName: 'WINWORD.EXE', origin: 'source' as const }],
    };
    await project(receivedEvent(spawned, new Date('2026-11-23T10:40:00Z')), delivery);
    expect((await post(`/api/v1/alerts/${spawned.alertId}/disposition`, { disposition: 'true-positive' })).status).toBe(202);
    const event = published.at(-1);
    expect(event?.type === 'soc.alert.dispositioned.v1' && event.data.shape).toBe('process:winword.exe>powershell.exe');
    expect(parseEvent(JSON.parse(JSON.stringify(event))).ok).toBe(true);
  });
});
