import { StateAuditTrail } from '@soc/audit';
import express from 'express';
import { StateRequestLog } from '@soc/containment-requests';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryBus } from '@soc/bus';
import type { DeliveryInfo } from '@soc/bus';
import { type HttpServer, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { systemClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import type { CaseGroup } from '../src/case-group.ts';
import type { CaseSummary } from '../src/ports.ts';
import { makeCaseProjector } from '../src/projector.ts';
import { apiRoutes } from '../src/routes.ts';
import { decisionEvent, receivedEvent, sentinelAlerts } from './support/sentinel-alerts.ts';
import './support/checked-fetch.ts';

const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
const at = (minutes: number) => new Date(Date.UTC(2026, 10, 23, 10, minutes));
const real = sentinelAlerts();
const admin = real.filter((a) => a.rule?.name === 'Suspicious Powershell Activity Detected' && a.entities.some((e) => e.id === 'user:msticalertswin1\\msticadmin'));
const machine = real.filter((a) => a.rule?.name === 'Suspicious Powershell Activity Detected' && a.entities.some((e) => e.id === 'user:workgroup\\msticalertswin1$'));

let http: HttpServer;
const get = async (path: string) => {
  const res = await fetch(`${http.url}${path}`);
  return { status: res.status, type: res.headers.get('content-type') ?? '', body: (await res.json()) as Record<string, unknown> };
};

beforeAll(async () => {
  const state = new MemoryStateStore();
  const cases = new StateCaseStore(state);
  const groups = new StateCaseGroupStore(state, { windowMinutes: 60 });
  const project = makeCaseProjector(cases, groups);
  // Three admin alerts (one decided as a true positive), then one machine-account alert, a minute apart.
  for (const [i, a] of admin.slice(0, 3).entries()) await project(receivedEvent(a, at(i)), delivery);
  await project(decisionEvent(admin[1]!, at(1), 88, 'true-positive'), delivery);
  await project(receivedEvent(machine[0]!, at(5)), delivery);
  const app = express();
  app.use((_req, res, next) => {
    res.locals.principal = 'vera';
    res.locals.roles = ['viewer'];
    res.locals.tenants = '*'; // every tenant: tenant scoping has its own tests (tenants.int.test.ts)
    next();
  });
  app.use(apiRoutes({ tenantId: 'contoso', cases, groups, bus: new MemoryBus(), clock: systemClock, audit: new StateAuditTrail(new MemoryStateStore()), requests: new StateRequestLog(new MemoryStateStore()) }));
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  http = await listen(app, 0, '127.0.0.1');
});
afterAll(() => http.close());

describe('GET /api/v1/cases', () => {
  it('lists case groups, newest activity first with sort=newest, with their counts and worst triage', async () => {
    const { status, body } = await get('/api/v1/cases?sort=newest');
    expect(status).toBe(200);
    const items = body.items as CaseGroup[];
    expect(items.map((g) => [g.count, g.lastSeen])).toEqual([
      [1, at(5).toISOString()],
      [3, at(2).toISOString()],
    ]);
    expect(items[1]).toMatchObject({ title: 'Suspicious Powershell Activity Detected', severity: 'high', firstAlertId: admin[0]!.alertId, riskScore: 88, verdict: 'true-positive' });
  });

  it('honours limit and severity, and refuses a bad query with a problem', async () => {
    expect(((await get('/api/v1/cases?limit=1&sort=newest')).body.items as CaseGroup[]).map((g) => g.count)).toEqual([1]);
    expect((await get('/api/v1/cases?severity=low')).body.items).toEqual([]);
    expect(((await get('/api/v1/cases?severity=high')).body.items as CaseGroup[])).toHaveLength(2);
    const bad = await get('/api/v1/cases?limit=0');
    expect(bad.status).toBe(400);
    expect(bad.type).toContain('application/problem+json');
  });

  it('puts the most urgent first by default: same severity, the SLA due sooner (the group seen first) leads', async () => {
    const items = (await get('/api/v1/cases')).body.items as CaseGroup[];
    expect(items.map((g) => [g.count, g.firstSeen])).toEqual([
      [3, at(0).toISOString()],
      [1, at(5).toISOString()],
    ]);
  });
});

describe('GET /api/v1/cases/{groupId}', () => {
  it('returns the group with its members’ summaries, newest first', async () => {
    const groupId = ((await get('/api/v1/cases?sort=newest')).body.items as CaseGroup[])[1]!.groupId;
    const { status, body } = await get(`/api/v1/cases/${groupId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ groupId, count: 3, memberIds: [admin[2]!.alertId, admin[1]!.alertId, admin[0]!.alertId] });
    const members = body.members as CaseSummary[];
    expect(members.map((m) => [m.alertId, m.stage, m.riskScore])).toEqual([
      [admin[2]!.alertId, 'received', null],
      [admin[1]!.alertId, 'decided', 88],
      [admin[0]!.alertId, 'received', null],
    ]);
  });

  it('404 for an unknown group', async () => {
    const { status, body } = await get('/api/v1/cases/cg-unknown');
    expect(status).toBe(404);
    expect(body).toMatchObject({ status: 404, title: 'Unknown case' });
  });
});

describe('GET /api/v1/alerts', () => {
  it('an alert names its group and the group’s count', async () => {
    const groupId = ((await get('/api/v1/cases?sort=newest')).body.items as CaseGroup[])[1]!.groupId;
    const { status, body } = await get(`/api/v1/alerts/${admin[0]!.alertId}`);
    expect(status).toBe(200);
    expect(body).toMatchObject({ alertId: admin[0]!.alertId, stage: 'received', group: { id: groupId, count: 3 } });
  });

  it('the per-alert list stays as it was', async () => {
    const items = (await get('/api/v1/alerts')).body.items as CaseSummary[];
    expect(items.map((s) => s.alertId)).toEqual([machine[0]!.alertId, admin[2]!.alertId, admin[1]!.alertId, admin[0]!.alertId]);
  });
});
