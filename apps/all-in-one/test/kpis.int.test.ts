import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KpiReportSchema } from '@soc/api';
import { client, decidedCase, eventually, startSystem } from './support.ts';

// KPIs on the running system: alerts ingested, triaged and decided by the real pipeline, then dispositioned through
// the API; GET /api/v1/kpis and the soc_kpi_* gauges follow the case timelines.
let system: Awaited<ReturnType<typeof startSystem>>;
let api: ReturnType<typeof client>;
beforeAll(async () => {
  system = await startSystem({ SOC_KPI_REFRESH_SECONDS: '1', SOC_SLA_MINUTES: 'high:60' });
  api = client(system.url);
});
afterAll(async () => {
  await system.close();
  rmSync(system.dataDir, { recursive: true, force: true });
});

const alert = (id: string) => ({ id, title: `KPI probe ${id}`, severity: 'high', entities: [{ type: 'host', value: `kpi-${id}.contoso.com` }] });
// eslint-disable-next-line @typescript-eslint/no-explicit-any
const onlyTenant = (body: any) => {
  KpiReportSchema.parse(body); // the response the OpenAPI document describes, to the field
  const tenants = Object.values(body.tenants);
  expect(tenants).toHaveLength(1);
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return tenants[0] as any;
};

describe('KPIs on the running system', () => {
  it('an empty system has no tenant in its report; ingested and dispositioned alerts move the KPIs', async () => {
    const empty = await api('/api/v1/kpis');
    expect(empty.status).toBe(200);
    expect(empty.body.tenants).toEqual({});

    const ids: string[] = [];
    for (const id of ['kpi-1', 'kpi-2', 'kpi-3']) {
      const posted = await api('/api/v1/alerts/generic', { body: alert(id) });
      expect(posted.status).toBe(202);
      ids.push(posted.body.alertId as string);
    }
    for (const id of ids) await decidedCase(api, id, 15_000);

    const triaged = onlyTenant((await api('/api/v1/kpis')).body);
    expect(triaged.cases).toBe(3);
    expect(triaged.timeToTriage).toMatchObject({ cases: 3, meanSeconds: expect.any(Number) });
    expect(triaged.timeToTriage.meanSeconds).toBeGreaterThanOrEqual(0);
    expect(triaged.timeToDisposition).toMatchObject({ cases: 0, meanSeconds: null });
    expect(triaged.escalationRate.denominator).toBe(3);
    expect(triaged.llm).toMatchObject({ verdicts: 3, calls: 0 }); // no LLM configured

    expect((await api(`/api/v1/alerts/${ids[0]}/disposition`, { body: { disposition: 'false-positive' } })).status).toBe(202);
    expect((await api(`/api/v1/alerts/${ids[1]}/disposition`, { body: { disposition: 'true-positive' } })).status).toBe(202);
    const after = await eventually(async () => {
      const k = onlyTenant((await api('/api/v1/kpis')).body);
      return k.timeToDisposition.cases === 2 ? k : undefined;
    }, 10_000, 'two dispositions in the KPIs');
    expect(after.falsePositiveClosure.cases).toBe(1);
    expect(after.truePositiveRate).toMatchObject({ numerator: 1, denominator: 2, value: 0.5 });
    expect(after.alertsPerAnalystPerShift).toMatchObject({ numerator: 2, denominator: 1, analysts: 1, value: 2 });
    expect(after.sla.bySeverity.high).toMatchObject({ targetMinutes: 60, cases: 3, pastSla: 0 });

    // A payload that does not parse is quarantined: counted for the window, as its sender's tenant (one total).
    expect(empty.body.quarantine).toMatchObject({ payloads: 0, replayed: 0 });
    const bad = await api('/api/v1/alerts/generic', { body: { id: 'kpi-bad', severity: 'urgent' } });
    expect(bad.status).toBe(400);
    const withQuarantine = (await api('/api/v1/kpis')).body;
    expect(withQuarantine.quarantine).toMatchObject({ payloads: 1, replayed: 0, truncated: false });
    expect(onlyTenant(withQuarantine).cases).toBe(3);
    // A tenant that is not the caller's is answered as unknown, never computed (the principal sees SOC_TENANT_ID only).
    expect((await api('/api/v1/kpis?tenant=anyone')).status).toBe(404);

    // The same numbers on /metrics, from the gauges' timer.
    await eventually(async () => {
      const text = await (await fetch(`${system.url}/metrics`, { headers: { authorization: 'Bearer ops-token-0123456789abcdef' } })).text();
      return /soc_kpi_rate\{tenant="[^"]+",kpi="truePositiveRate"\} 0\.5/.test(text) && /soc_kpi_cases\{tenant="[^"]+"\} 3/.test(text) && /soc_kpi_quarantined\{state="all"\} 1/.test(text) ? text : undefined;
    }, 10_000, 'soc_kpi_* gauges on /metrics');
  });

  it('needs a token with the viewer role', async () => {
    const res = await fetch(`${system.url}/api/v1/kpis`);
    expect(res.status).toBe(401);
  });
});
