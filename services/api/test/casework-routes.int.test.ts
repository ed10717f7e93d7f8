import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditTrail, StateAuditTrail } from '@soc/audit';
import { type Bus, type DeliveryInfo, MemoryBus } from '@soc/bus';
import { StateRequestLog } from '@soc/containment-requests';
import { type SocEvent, parseEvent } from '@soc/contracts';
import { type HttpServer, type TenantGrant, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { StateCaseworkStore } from '../src/adapters/state-casework-store.ts';
import { caseworkRoutes } from '../src/casework-routes.ts';
import { makeCaseProjector } from '../src/projector.ts';
import { apiRoutes } from '../src/routes.ts';
import { decisionEvent, receivedEvent, sentinelAlerts } from './support/sentinel-alerts.ts';
import './support/checked-fetch.ts';

const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
const real = sentinelAlerts();
const alert = real.find((a) => a.rule?.name === 'Suspicious Powershell Activity Detected')!;
const other = real.find((a) => a.title !== alert.title && a.severity === 'medium') ?? real.find((a) => a.title !== alert.title)!;
const foreign = { ...real.find((a) => a.title !== alert.title && a.alertId !== other.alertId)!, tenantId: 'fabrikam', alertId: 'alt-fabrikam-1' };
const clock = manualClock('2026-11-23T11:00:00Z');
const published: SocEvent[] = [];

/** The configured principals (SOC_API_ROLES / SOC_API_TENANTS as the platform resolves them). */
const PRINCIPALS: Record<string, { roles: string[]; tenants: TenantGrant }> = {
  ana: { roles: ['viewer', 'analyst'], tenants: ['contoso'] },
  bob: { roles: ['viewer', 'analyst'], tenants: ['contoso'] },
  vera: { roles: ['viewer'], tenants: ['contoso'] },
  fritz: { roles: ['viewer', 'analyst'], tenants: ['fabrikam'] },
};

let http: HttpServer;
let trail: StateAuditTrail;
let auditDown = false;
const audit: AuditTrail = {
  append: (entry) => (auditDown ? Promise.reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'state down', { retryable: true })) : trail.append(entry)),
};
/** Held events: while set, published events wait here instead of reaching the case view (a slow projection). */
let holdProjection: SocEvent[] | undefined;
let project: ReturnType<typeof makeCaseProjector>;

const call = async (who: string, method: string, path: string, body?: unknown) => {
  const res = await fetch(`${http.url}${path}`, {
    method,
    headers: { 'x-principal': who, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  // Each change a second after the one before, as analysts' clicks are: the case orders its events by time.
  if (method !== 'GET') clock.advance(1000);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
};
const assign = (who: string, alertId: string, body: unknown) => call(who, 'PUT', `/api/v1/alerts/${alertId}/assignee`, body);
const setStatus = (who: string, alertId: string, body: unknown) => call(who, 'PUT', `/api/v1/alerts/${alertId}/status`, body);
const caseOf = async (alertId: string) => (await call('ana', 'GET', `/api/v1/alerts/${alertId}`)).body as { assignee: string | null; status: string; notes: { text: string; author: string }[]; timeline: { type: string }[] };

beforeAll(async () => {
  const state = new MemoryStateStore();
  trail = new StateAuditTrail(state, { clock });
  const cases = new StateCaseStore(state);
  const groups = new StateCaseGroupStore(state, { windowMinutes: 60 });
  project = makeCaseProjector(cases, groups);
  for (const [i, a] of [alert, other, foreign].entries()) await project(receivedEvent(a, new Date(Date.UTC(2026, 10, 23, 10, i))), delivery);
  await project(decisionEvent(alert, new Date('2026-11-23T10:00:00Z'), 72, 'needs-more-information'), delivery);
  const inner = new MemoryBus();
  const bus: Bus = {
    ensureTopology: (s) => inner.ensureTopology(s),
    publish: async (events) => {
      for (const e of events) {
        published.push(e);
        if (holdProjection) holdProjection.push(e);
        else await project(e, delivery);
      }
    },
    subscribe: (o, h) => inner.subscribe(o, h),
    deadLetters: inner.deadLetters,
    depth: () => inner.depth(),
    probe: () => inner.probe(),
    close: () => inner.close(),
  };
  const app = express();
  app.use((req, res, next) => {
    const who = String(req.headers['x-principal']);
    res.locals.principal = who;
    res.locals.roles = PRINCIPALS[who]?.roles ?? [];
    res.locals.tenants = PRINCIPALS[who]?.tenants ?? [];
    next();
  });
  const deps = { tenantId: 'contoso', cases, bus, clock, audit };
  app.use(apiRoutes({ ...deps, groups, requests: new StateRequestLog(new MemoryStateStore()), slaMinutes: { high: 60, medium: 240 } }));
  app.use(caseworkRoutes({ ...deps, casework: new StateCaseworkStore(state), principals: { rolesOf: (p) => PRINCIPALS[p]?.roles ?? [], tenantsOf: (p) => PRINCIPALS[p]?.tenants } }));
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  http = await listen(app, 0, '127.0.0.1');
});
afterAll(() => http.close());

describe('PUT /api/v1/alerts/{alertId}/assignee', () => {
  it('an analyst takes a case: audited, then soc.case.assigned.v1, which the case and its group show', async () => {
    const res = await assign('ana', alert.alertId, { assignee: 'ana' });
    expect(res).toMatchObject({ status: 202, body: { alertId: alert.alertId, assignee: 'ana', status: 'new', changed: true, by: 'ana' } });
    const event = published.at(-1)!;
    expect(parseEvent(JSON.parse(JSON.stringify(event))).ok).toBe(true);
    expect(event).toMatchObject({
      type: 'soc.case.assigned.v1',
      source: '/soc/api',
      subject: alert.alertId,
      tenantid: 'contoso',
      correlationid: `corr-${alert.alertId}`,
      causationid: `rcv-${alert.alertId}`,
      data: { alertId: alert.alertId, tenantId: 'contoso', assignee: 'ana', previous: null, by: 'ana', at: '2026-11-23T11:00:00.000Z' },
    });
    expect((await trail.list({ stream: 'case' }))[0]).toMatchObject({ kind: 'case.assigned', actor: 'ana', subject: alert.alertId, tenantId: 'contoso', data: { eventId: event.id, assignee: 'ana', previous: null } });
    const view = await caseOf(alert.alertId);
    expect(view.assignee).toBe('ana');
    expect(view.timeline.map((t) => t.type)).toContain('soc.case.assigned.v1');
    const queue = (await call('ana', 'GET', '/api/v1/cases?assignee=me')).body.items as { firstAlertId: string; assignee: string }[];
    expect(queue.map((g) => [g.firstAlertId, g.assignee])).toEqual([[alert.alertId, 'ana']]);
  });

  it('the same assignment again is 200 changed:false and publishes nothing', async () => {
    const before = published.length;
    expect(await assign('ana', alert.alertId, { assignee: 'ana' })).toMatchObject({ status: 200, body: { assignee: 'ana', changed: false } });
    expect(published).toHaveLength(before);
  });

  it('another analyst cannot take it silently: 409 already-assigned naming the holder; with expected they take it over', async () => {
    const refused = await assign('bob', alert.alertId, { assignee: 'bob' });
    expect(refused).toMatchObject({ status: 409, body: { type: 'urn:soc:problem:already-assigned', current: 'ana' } });
    expect(refused.type).toContain('application/problem+json');
    expect(await assign('bob', alert.alertId, { assignee: 'bob', expected: 'carol' })).toMatchObject({ status: 409, body: { type: 'urn:soc:problem:assignee-changed', current: 'ana' } });
    // `me` is the caller.
    expect(await assign('bob', alert.alertId, { assignee: 'me', expected: 'ana' })).toMatchObject({ status: 202, body: { assignee: 'bob' } });
    expect(published.at(-1)).toMatchObject({ data: { assignee: 'bob', previous: 'ana', by: 'bob' } });
  });

  it('two analysts taking a case at once: one wins, the other gets 409 — even before the case view has either', async () => {
    holdProjection = [];
    try {
      const results = await Promise.all([assign('ana', other.alertId, { assignee: 'ana' }), assign('bob', other.alertId, { assignee: 'bob' })]);
      expect(results.map((r) => r.status).sort()).toEqual([202, 409]);
      const winner = results.find((r) => r.status === 202)!.body.assignee;
      expect(results.find((r) => r.status === 409)!.body).toMatchObject({ type: 'urn:soc:problem:already-assigned', current: winner });
      expect(holdProjection.filter((e) => e.type === 'soc.case.assigned.v1')).toHaveLength(1);
      // Still unprojected: the same take again is decided against the record, not the stale case view.
      expect(await assign(String(winner), other.alertId, { assignee: winner })).toMatchObject({ status: 200, body: { changed: false } });
    } finally {
      const held = holdProjection;
      holdProjection = undefined;
      for (const e of held) await project(e, delivery);
    }
  });

  it('assigns to another analyst who sees the tenant; an unknown name, a viewer or another tenant\'s analyst is 422', async () => {
    expect(await assign('ana', other.alertId, { assignee: 'nobody-here', expected: (await caseOf(other.alertId)).assignee })).toMatchObject({ status: 422, body: { type: 'urn:soc:problem:unknown-assignee' } });
    expect((await assign('ana', other.alertId, { assignee: 'vera', expected: null })).status).toBe(422);
    expect((await assign('ana', other.alertId, { assignee: 'fritz', expected: null })).status).toBe(422);
  });

  it('a viewer is 403; another tenant\'s case is 404; a bad body is 400 with field errors', async () => {
    expect(await assign('vera', alert.alertId, { assignee: 'vera' })).toMatchObject({ status: 403, body: { type: 'urn:soc:problem:missing-role', role: 'analyst' } });
    expect(await assign('ana', foreign.alertId, { assignee: 'ana' })).toMatchObject({ status: 404, body: { type: 'urn:soc:problem:unknown-alert' } });
    expect(await assign('ana', 'alt-unknown', { assignee: 'ana' })).toMatchObject({ status: 404 });
    expect(await assign('ana', alert.alertId, { who: 'ana' })).toMatchObject({ status: 400, body: { errors: expect.any(Array) as unknown } });
  });

  it('nothing changes when the audit trail is down (503), and the next try goes through', async () => {
    const before = published.length;
    auditDown = true;
    try {
      expect(await assign('ana', alert.alertId, { assignee: null, expected: 'bob' })).toMatchObject({ status: 503, body: { type: 'urn:soc:problem:audit-unavailable' } });
    } finally {
      auditDown = false;
    }
    expect(published).toHaveLength(before);
    expect(await assign('ana', alert.alertId, { assignee: null, expected: 'bob' })).toMatchObject({ status: 202, body: { assignee: null } });
    expect((await caseOf(alert.alertId)).assignee).toBeNull();
  });
});

describe('PUT /api/v1/alerts/{alertId}/status', () => {
  it('moves the case: soc.case.status-changed.v1 with previous and reason; the case and its group show it', async () => {
    const res = await setStatus('ana', alert.alertId, { status: 'on-hold', reason: 'waiting for the user\'s manager' });
    expect(res).toMatchObject({ status: 202, body: { status: 'on-hold', changed: true } });
    expect(published.at(-1)).toMatchObject({ type: 'soc.case.status-changed.v1', data: { status: 'on-hold', previous: 'new', by: 'ana', reason: 'waiting for the user\'s manager' } });
    expect((await trail.list({ stream: 'case' }))[0]).toMatchObject({ kind: 'case.status-changed', data: { status: 'on-hold', previous: 'new', reasonLength: 30 } });
    expect(JSON.stringify(await trail.list({ stream: 'case' }))).not.toContain('manager');
    expect((await caseOf(alert.alertId)).status).toBe('on-hold');
    const onHold = (await call('ana', 'GET', '/api/v1/cases?status=on-hold')).body.items as { firstAlertId: string }[];
    expect(onHold.map((g) => g.firstAlertId)).toEqual([alert.alertId]);
    expect(await setStatus('ana', alert.alertId, { status: 'on-hold' })).toMatchObject({ status: 200, body: { changed: false } });
  });

  it('resolved needs a disposition (409), then resolves; a resolved case reopens to in-progress only', async () => {
    expect(await setStatus('ana', alert.alertId, { status: 'resolved' })).toMatchObject({ status: 409, body: { type: 'urn:soc:problem:disposition-required' } });
    expect((await call('ana', 'POST', `/api/v1/alerts/${alert.alertId}/disposition`, { disposition: 'benign-positive' })).status).toBe(202);
    expect(await setStatus('ana', alert.alertId, { status: 'resolved', expected: 'on-hold' })).toMatchObject({ status: 202, body: { status: 'resolved' } });
    expect(await setStatus('ana', alert.alertId, { status: 'new' })).toMatchObject({ status: 409, body: { type: 'urn:soc:problem:case-resolved', current: 'resolved' } });
    expect(await setStatus('ana', alert.alertId, { status: 'in-progress', expected: 'on-hold' })).toMatchObject({ status: 409, body: { type: 'urn:soc:problem:status-changed' } });
    const open = (await call('ana', 'GET', '/api/v1/cases?status=open')).body.items as { firstAlertId: string }[];
    expect(open.map((g) => g.firstAlertId)).not.toContain(alert.alertId);
  });

  it('a viewer is 403, another tenant\'s case 404, an unknown status 400', async () => {
    expect((await setStatus('vera', alert.alertId, { status: 'in-progress' })).status).toBe(403);
    expect((await setStatus('fritz', alert.alertId, { status: 'in-progress' })).status).toBe(404);
    expect((await setStatus('ana', alert.alertId, { status: 'closed' })).status).toBe(400);
  });
});

describe('POST /api/v1/alerts/{alertId}/notes', () => {
  it('adds a note: its hash on the audit trail, its text in the case (newest last) as soc.case.note-added.v1', async () => {
    const first = await call('ana', 'POST', `/api/v1/alerts/${other.alertId}/notes`, { text: 'Called the user.' });
    expect(first).toMatchObject({ status: 201, body: { alertId: other.alertId, tenantId: 'contoso', text: 'Called the user.', author: 'ana' } });
    const html = '<img src=x onerror=alert(1)> is what the mail contained';
    expect((await call('bob', 'POST', `/api/v1/alerts/${other.alertId}/notes`, { text: html })).status).toBe(201);
    const event = published.at(-1)!;
    expect(event).toMatchObject({ type: 'soc.case.note-added.v1', subject: other.alertId, tenantid: 'contoso' });
    expect(Object.keys(event.data).sort()).toEqual(['alertId', 'at', 'author', 'noteId', 'tenantId', 'text']);
    expect(parseEvent(JSON.parse(JSON.stringify(event))).ok).toBe(true);
    const record = (await trail.list({ stream: 'case' }))[0]!;
    expect(record).toMatchObject({ kind: 'case.note-added', actor: 'bob', data: { eventId: event.id, textLength: html.length } });
    expect(JSON.stringify(record)).not.toContain('onerror');
    expect((await caseOf(other.alertId)).notes.map((n) => [n.author, n.text])).toEqual([
      ['ana', 'Called the user.'],
      ['bob', html],
    ]);
  });

  it('refuses an empty or too long note (400), a viewer (403) and another tenant\'s case (404)', async () => {
    expect((await call('ana', 'POST', `/api/v1/alerts/${other.alertId}/notes`, { text: '   ' })).status).toBe(400);
    expect((await call('ana', 'POST', `/api/v1/alerts/${other.alertId}/notes`, { text: 'x'.repeat(4001) })).status).toBe(400);
    expect((await call('vera', 'POST', `/api/v1/alerts/${other.alertId}/notes`, { text: 'hi' })).status).toBe(403);
    expect((await call('ana', 'POST', `/api/v1/alerts/${foreign.alertId}/notes`, { text: 'hi' })).status).toBe(404);
    expect((await call('fritz', 'POST', `/api/v1/alerts/${foreign.alertId}/notes`, { text: 'hi' })).status).toBe(201);
  });
});

describe('GET /api/v1/cases: the queue', () => {
  it('rows carry assignee, status, slaDueAt (firstSeen + the severity\'s SLA) and ageSeconds; another tenant\'s are left out', async () => {
    const { status, body } = await call('ana', 'GET', '/api/v1/cases');
    expect(status).toBe(200);
    const items = body.items as { firstAlertId: string; tenantId: string; severity: string; firstSeen: string; slaDueAt: string | null; ageSeconds: number; assignee: string | null; status: string }[];
    expect(items.every((g) => g.tenantId === 'contoso')).toBe(true);
    const lead = items.find((g) => g.firstAlertId === alert.alertId)!;
    expect(lead).toMatchObject({ severity: 'high', status: 'resolved', assignee: null, firstSeen: '2026-11-23T10:00:00.000Z', slaDueAt: '2026-11-23T11:00:00.000Z' });
    expect(lead.ageSeconds).toBe(Math.floor((clock.now().getTime() - Date.parse('2026-11-23T10:00:00Z')) / 1000));
    expect(lead.ageSeconds).toBeGreaterThan(3600);
    expect(body).toMatchObject({ next: null, scope: { scanned: 2, truncated: false } });
    expect(((await call('fritz', 'GET', '/api/v1/cases')).body.items as { tenantId: string }[]).map((g) => g.tenantId)).toEqual(['fabrikam']);
  });

  it('pages with an opaque cursor bound to its filters; a foreign or forged cursor is 400', async () => {
    const first = await call('ana', 'GET', '/api/v1/cases?limit=1');
    expect(first.body.items).toHaveLength(1);
    expect(typeof first.body.next).toBe('string');
    const second = await call('ana', 'GET', `/api/v1/cases?limit=1&cursor=${String(first.body.next)}`);
    expect(second.body.items).toHaveLength(1);
    expect(second.body.next).toBeNull();
    expect((second.body.items as { groupId: string }[])[0]!.groupId).not.toBe((first.body.items as { groupId: string }[])[0]!.groupId);
    expect(await call('ana', 'GET', `/api/v1/cases?limit=1&sort=newest&cursor=${String(first.body.next)}`)).toMatchObject({ status: 400, body: { type: 'urn:soc:problem:invalid-cursor' } });
    expect((await call('ana', 'GET', '/api/v1/cases?cursor=not-a-cursor')).status).toBe(400);
    expect((await call('ana', 'GET', '/api/v1/cases?unknown=1')).status).toBe(400);
  });

  it('filters by verdict and unassigned', async () => {
    const triaged = (await call('ana', 'GET', '/api/v1/cases?verdict=needs-more-information')).body.items as { firstAlertId: string }[];
    expect(triaged.map((g) => g.firstAlertId)).toEqual([alert.alertId]);
    const none = (await call('ana', 'GET', '/api/v1/cases?verdict=none')).body.items as { firstAlertId: string }[];
    expect(none.map((g) => g.firstAlertId)).toEqual([other.alertId]);
    const unassigned = (await call('ana', 'GET', '/api/v1/cases?assignee=unassigned')).body.items as { firstAlertId: string }[];
    expect(unassigned.map((g) => g.firstAlertId)).toEqual([alert.alertId]);
  });
});
