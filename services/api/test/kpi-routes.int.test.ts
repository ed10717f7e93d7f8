import express from 'express';
import { Registry } from 'prom-client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertDispositionedV1, type Alert, type SocEvent, causedBy } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import type { DeliveryInfo } from '@soc/bus';
import { type HttpServer, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { StateQuarantineCounter } from '../src/adapters/state-quarantine-counter.ts';
import { startKpiGauges } from '../src/kpi-reader.ts';
import { KpiReportSchema } from '../src/kpi-schema.ts';
import { kpiRoutes } from '../src/kpi-routes.ts';
import { makeCaseProjector } from '../src/projector.ts';
import { decisionEvent, receivedEvent } from './support/sentinel-alerts.ts';

// The KPI route over the case view's own store, filled by its own projector (redeliveries included).
const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
const now = new Date('2026-11-23T12:00:00.000Z');
const minutesAgo = (m: number) => new Date(now.getTime() - m * 60_000);
const clock = manualClock(now);
const log = createLogger({ service: 'api-test', level: 'silent' });
const config = { shiftHours: 8, slaMinutes: { high: 60 }, maxCases: 1000 };
let cases: StateCaseStore;
let http: HttpServer;
let small: HttpServer;
let contosoOnly: HttpServer;

function dispositioned(alert: Alert, receivedAt: Date, disposition: 'true-positive' | 'false-positive', at: Date): SocEvent {
  return causedBy(receivedEvent(alert, receivedAt), AlertDispositionedV1, { alertId: alert.alertId, tenantId: alert.tenantId, rule: { source: 'sentinel', title: alert.title }, entityIds: [], disposition, analyst: 'alice', at: at.toISOString() }, { source: '/soc/api', time: at, key: at.toISOString() });
}

async function serve(maxCases: number, tenants: '*' | string[] = '*'): Promise<HttpServer> {
  const app = express();
  app.use((_req, res, next) => {
    res.locals.principal = 'vera';
    res.locals.roles = ['viewer'];
    res.locals.tenants = tenants;
    next();
  });
  app.use(kpiRoutes({ cases, clock, config: { ...config, maxCases }, tenantId: 'contoso' }));
  app.use(errorHandler({ logger: log }));
  return listen(app, 0, '127.0.0.1');
}

beforeAll(async () => {
  const state = new MemoryStateStore();
  cases = new StateCaseStore(state);
  const project = makeCaseProjector(cases, new StateCaseGroupStore(state, { windowMinutes: 60 }));
  const a = sampleAlert({ alertId: 'k-a', tenantId: 'contoso', severity: 'high' });
  const b = sampleAlert({ alertId: 'k-b', tenantId: 'contoso', severity: 'high' });
  const c = sampleAlert({ alertId: 'k-c', tenantId: 'fabrikam', severity: 'high' });
  const old = sampleAlert({ alertId: 'k-old', tenantId: 'contoso', severity: 'high' });
  const events = [
    receivedEvent(a, minutesAgo(120)),
    decisionEvent(a, minutesAgo(120), 90, 'true-positive'),
    dispositioned(a, minutesAgo(120), 'false-positive', minutesAgo(110)),
    receivedEvent(b, minutesAgo(90)),
    decisionEvent(b, minutesAgo(90), 90, 'true-positive'),
    receivedEvent(c, minutesAgo(30)),
    dispositioned(c, minutesAgo(30), 'true-positive', minutesAgo(20)),
    receivedEvent(old, minutesAgo(8 * 24 * 60)),
  ];
  for (const e of [...events, ...events]) await project(e, delivery); // every event redelivered once
  http = await serve(1000);
  small = await serve(2);
  contosoOnly = await serve(1000, ['contoso']);
});
afterAll(async () => {
  await http.close();
  await small.close();
  await contosoOnly.close();
});

const strictReport = KpiReportSchema;
const get = async (server: HttpServer, path: string) => {
  const res = await fetch(`${server.url}${path}`);
  const body: unknown = await res.json();
  // Every 200 matches the response schema the OpenAPI document is built from (strict objects: no field it does not name).
  if (res.status === 200) expect(() => strictReport.parse(body)).not.toThrow();
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, type: res.headers.get('content-type'), body: body as any };
};

describe('GET /api/v1/kpis', () => {
  it('defaults to the last 7 days, per tenant, each KPI with its definition and the cases it covers', async () => {
    const res = await get(http, '/api/v1/kpis');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ from: new Date(now.getTime() - 7 * 86_400_000).toISOString(), to: now.toISOString(), scope: { summariesRead: 4, truncated: false } });
    expect(Object.keys(res.body.tenants)).toEqual(['contoso', 'fabrikam']);
    const contoso = res.body.tenants.contoso;
    expect(contoso.cases).toBe(2); // k-old is 8 days old
    expect(contoso.timeToDisposition).toMatchObject({ meanSeconds: 600, p90Seconds: 600, cases: 1, definition: expect.any(String) });
    expect(contoso.falsePositiveClosure).toMatchObject({ meanSeconds: 600, cases: 1 });
    expect(contoso.engineOverrideRate).toMatchObject({ value: 1, numerator: 1, denominator: 1 });
    expect(contoso.escalationRate).toMatchObject({ value: 0, denominator: 2 });
    // k-a was dispositioned after 10 minutes; k-b is open 90 minutes after receipt: past the 60-minute SLA
    expect(contoso.sla.bySeverity.high).toEqual({ targetMinutes: 60, cases: 2, pastSla: 1, openPastSla: 1 });
    expect(res.body.tenants.fabrikam).toMatchObject({ cases: 1, truePositiveRate: { value: 1 } });
  });

  it('a tenant filter keeps that tenant, with nulls when it has no case', async () => {
    expect(Object.keys((await get(http, '/api/v1/kpis?tenant=fabrikam')).body.tenants)).toEqual(['fabrikam']);
    const none = (await get(http, '/api/v1/kpis?tenant=northwind')).body.tenants.northwind;
    expect(none).toMatchObject({ cases: 0, timeToTriage: { meanSeconds: null }, escalationRate: { value: null } });
  });

  it('a principal of some tenants gets their KPIs only: another tenant is 404', async () => {
    const mine = (await get(contosoOnly, '/api/v1/kpis')).body;
    expect(Object.keys(mine.tenants)).toEqual(['contoso']);
    const other = await get(contosoOnly, '/api/v1/kpis?tenant=fabrikam');
    expect(other.status).toBe(404);
    expect(other.body.tenants).toBeUndefined();
  });

  it('takes a window and counts only the cases received in it', async () => {
    const res = await get(http, `/api/v1/kpis?from=${minutesAgo(100).toISOString()}&to=${minutesAgo(10).toISOString()}`);
    expect(res.body.tenants.contoso.cases).toBe(1);
    expect(res.body.tenants.fabrikam.cases).toBe(1);
  });

  it('refuses a window backwards, wider than 90 days, a bad date or an unknown parameter (problem details)', async () => {
    for (const q of [`from=${now.toISOString()}&to=${minutesAgo(1).toISOString()}`, 'from=2026-01-01T00:00:00Z&to=2026-06-01T00:00:00Z', 'from=yesterday', 'start=2026-11-01T00:00:00Z']) {
      const res = await get(http, `/api/v1/kpis?${q}`);
      expect([q, res.status]).toEqual([q, 400]);
      expect(res.type).toContain('application/problem+json');
    }
  });

  it('past the bound it reads only the newest cases and says so', async () => {
    const res = await get(small, '/api/v1/kpis');
    expect(res.body.scope).toEqual({ summariesRead: 2, limit: 2, truncated: true });
    expect(res.body.tenants.contoso.cases + res.body.tenants.fabrikam.cases).toBe(2);
  });
});

describe('soc_kpi_* gauges', () => {
  it('carry the same numbers, per tenant; a KPI over nothing has no sample', async () => {
    const registry = new Registry();
    const gauges = startKpiGauges({ cases, config, clock, log, registry, windowMs: 7 * 86_400_000, intervalMs: 60_000 });
    await gauges.refresh();
    const text = await registry.metrics();
    await gauges.close();
    expect(text).toContain('soc_kpi_cases{tenant="contoso"} 2');
    expect(text).toContain('soc_kpi_duration_seconds{tenant="contoso",kpi="timeToDisposition",stat="p90"} 600');
    expect(text).toContain('soc_kpi_rate{tenant="contoso",kpi="engineOverrideRate"} 1');
    expect(text).toContain('soc_kpi_past_sla{tenant="contoso",severity="high",state="all"} 1');
    expect(text).toContain('soc_kpi_truncated 0');
    expect(text).not.toContain('soc_kpi_duration_seconds{tenant="contoso",kpi="timeToTriage"');
  });
});

describe('quarantine count (ingestion\'s record, read only)', () => {
  it('counts the payloads received in the window, and says when the bound cut it short', async () => {
    const state = new MemoryStateStore();
    const entry = (id: string, minutes: number, status: 'quarantined' | 'replayed') => state.put('ingest-quarantine', id, { id, receivedAt: minutesAgo(minutes).toISOString(), status, source: 'generic', reason: 'x' });
    await entry('q1', 10, 'quarantined');
    await entry('q2', 20, 'replayed');
    await entry('q3', 60 * 24 * 10, 'quarantined'); // before the window
    const counter = new StateQuarantineCounter(state);
    const window = { from: minutesAgo(7 * 24 * 60), to: now };
    expect(await counter.count({ ...window, limit: 100 })).toEqual({ payloads: 2, replayed: 1, truncated: false });
    expect(await counter.count({ ...window, limit: 2 })).toEqual({ payloads: 2, replayed: 1, truncated: true });
    expect(await counter.count({ ...window, limit: 1 })).toEqual({ payloads: 1, replayed: 0, truncated: true });
  });

  it("counts only the entries of the tenants asked for: an entry keeps its sender's tenant (none: the deployment's)", async () => {
    const state = new MemoryStateStore();
    await state.put('ingest-quarantine', 'd', { id: 'd', receivedAt: minutesAgo(5).toISOString(), status: 'quarantined', source: 'generic', reason: 'x' });
    await state.put('ingest-quarantine', 'f', { id: 'f', receivedAt: minutesAgo(5).toISOString(), status: 'quarantined', source: 'generic', reason: 'x', tenantId: 'fabrikam' });
    const counter = new StateQuarantineCounter(state);
    const window = { from: minutesAgo(60), to: now, limit: 100 };
    expect((await counter.count({ ...window, sees: (t) => (t ?? 'contoso') === 'contoso' })).payloads).toBe(1);
    expect((await counter.count({ ...window, sees: (t) => t === 'fabrikam' })).payloads).toBe(1);
    expect((await counter.count(window)).payloads).toBe(2);
  });
});
