import { describe, expect, it } from 'vitest';
import { AlertDispositionedV1, AlertReceivedV1, type Alert, type Disposition, type Fact, createEvent, eventShapeOf, parseEvent } from '@soc/contracts';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateAlertHistory } from '../src/adapters/state-alert-history.ts';
import { makeEnrichmentHandler } from '../src/handler.ts';
import { alertOf, delivery, host, user } from './support/cred-alerts.ts';

const received = (alert: Alert, minute: number) =>
  createEvent(
    AlertReceivedV1,
    { alert, receivedAt: `2026-11-23T09:${String(minute).padStart(2, '0')}:00.000Z`, receivedVia: 'http', sender: 't', priority: 'normal' },
    { id: `r-${alert.alertId}`, source: '/soc/ingestion', time: new Date(`2026-11-23T09:${String(minute).padStart(2, '0')}:00Z`), correlationid: `c-${alert.alertId}`, tenantid: alert.tenantId },
  );
const dispositioned = (alert: Alert, disposition: Disposition, minute: number) =>
  createEvent(
    AlertDispositionedV1,
    {
      alertId: alert.alertId,
      tenantId: alert.tenantId,
      rule: { source: alert.source.name, id: 'ASC-CRED-CMDLINE', title: alert.title },
      ...(eventShapeOf(alert) !== undefined ? { shape: eventShapeOf(alert) } : {}),
      entityIds: alert.entities.map((e) => e.id),
      disposition,
      analyst: 'a.khan@contoso.com',
      at: `2026-11-23T10:${String(minute).padStart(2, '0')}:00.000Z`,
    },
    { id: `d-${alert.alertId}-${minute}`, source: '/soc/api', time: new Date(`2026-11-23T10:${String(minute).padStart(2, '0')}:00Z`), correlationid: `c-${alert.alertId}`, causationid: `r-${alert.alertId}`, tenantid: alert.tenantId },
  );

function setup(options: { poolRulesAcrossTenants?: boolean } = {}) {
  const history = new StateAlertHistory(new MemoryStateStore(), { retentionDays: 30, ...options });
  const handle = makeEnrichmentHandler({ history, clock: manualClock('2026-11-23T11:00:00Z') });
  return async (e: ReturnType<typeof received> | ReturnType<typeof dispositioned>) => handle(e, delivery);
}
const factsOf = (out: { emit: readonly unknown[] }): Fact[] => (out.emit[0] as { data: { enrichment: { facts: Fact[] } } }).data.enrichment.facts;
const counts = (facts: Fact[]) =>
  Object.fromEntries(facts.map((f) => [f.id, [f.attributes.truePositives, f.attributes.benignPositives, f.attributes.falsePositives]]));

describe('enrichment: analyst dispositions', () => {
  it('counts dispositions per rule, entity and tenant, idempotently, and a changed one moves the count', async () => {
    const handle = setup();
    const a1 = alertOf(1, [host, user]);
    const a2 = alertOf(2, [host]);
    await handle(received(a1, 1));
    await handle(received(a2, 2));
    expect(await handle(dispositioned(a1, 'false-positive', 1))).toEqual({ emit: [] });
    await handle(dispositioned(a1, 'false-positive', 1)); // redelivered
    await handle(dispositioned(a2, 'benign-positive', 2));

    const next = factsOf(await handle(received(alertOf(3, [host, user]), 3)));
    expect(counts(next)).toEqual({
      'history:host:msticalertswin1': [0, 1, 1],
      'history:user:msticadmin': [0, 0, 1],
      'rule-history:generic:asc-cred-cmdline': [0, 1, 1],
      'tenant-history:contoso': [0, 1, 1],
    });
    expect(next.find((f) => f.id === 'tenant-history:contoso')?.attributes.scope).toBe('tenant');
    expect(next.find((f) => f.kind === 'rule-history')?.statement).toContain('analysts judged 0 true, 1 benign and 1 false positive(s)');

    // The analyst changes their mind on alt-1: the count moves instead of growing; a stale older answer is ignored.
    await handle(dispositioned(a1, 'true-positive', 5));
    await handle(dispositioned(a1, 'false-positive', 4));
    const after = factsOf(await handle(received(alertOf(4, [host, user]), 4)));
    expect(counts(after)).toEqual({
      'history:host:msticalertswin1': [1, 1, 0],
      'history:user:msticadmin': [1, 0, 0],
      'rule-history:generic:asc-cred-cmdline': [1, 1, 0],
      'tenant-history:contoso': [1, 1, 0],
    });
    expect(after.find((f) => f.id === 'history:host:msticalertswin1')?.attributes.priorAlertCount).toBe(3);
  });

  it('counts dispositions per rule and event shape as well, and states both on the rule-history fact', async () => {
    const handle = setup();
    const lineage = (n: number, parent: string): Alert => alertOf(n, [host, { id: `process:${n}`, type: 'process', value: 'powershell.exe', name: 'powershell.exe', parentName: parent, origin: 'source' }]);
    for (const [n, parent, disposition] of [[1, 'CcmExec.exe', 'benign-positive'], [2, 'CcmExec.exe', 'benign-positive'], [3, 'WINWORD.EXE', 'true-positive']] as const) {
      await handle(received(lineage(n, parent), n));
      await handle(dispositioned(lineage(n, parent), disposition, n));
    }
    const ruleFact = async (a: Alert, minute: number) => factsOf(await handle(received(a, minute))).find((f) => f.kind === 'rule-history');
    const ccm = await ruleFact(lineage(4, 'ccmexec.exe'), 4);
    expect(ccm?.attributes).toMatchObject({ truePositives: 1, benignPositives: 1.999, shape: 'process:ccmexec.exe>powershell.exe', shapeTruePositives: 0, shapeBenignPositives: 1.999, shapeFalsePositives: 0 });
    // Judged an hour before: weighed by age, 0.5^(1 h / 90 days) each.
    expect(ccm?.attributes.shapeBenignPositives).toBeCloseTo(2, 2);
    expect(ccm?.statement).toMatch(/of event shape process:ccmexec\.exe>powershell\.exe, 0 true, 2 benign and 0 false positive\(s\) \(weighed by age\)$/);
    expect((await ruleFact(lineage(5, 'winword.exe'), 5))?.attributes).toMatchObject({ shape: 'process:winword.exe>powershell.exe', shapeTruePositives: 1, shapeBenignPositives: 0 });
    expect((await ruleFact(lineage(6, 'explorer.exe'), 6))?.attributes).toMatchObject({ shape: 'process:explorer.exe>powershell.exe', shapeTruePositives: 0, shapeBenignPositives: 0, shapeFalsePositives: 0 });
    // An alert that shows no shape has the rule's counts alone.
    const plain = await ruleFact(alertOf(7, [host]), 7);
    expect(plain?.attributes).toMatchObject({ truePositives: 1, benignPositives: 1.999 });
    expect(plain?.attributes).not.toHaveProperty('shape');
  });

  it('a judged alert redelivered is not its own prior, and tenants share neither entity history nor their prior; rule history only when pooled', async () => {
    const handle = setup();
    const a1 = alertOf(1, [host]);
    await handle(received(a1, 1));
    await handle(dispositioned(a1, 'true-positive', 1));
    expect(factsOf(await handle(received(a1, 1)))).toEqual([]);
    // Another tenant's host of the same name, firing the same rule: nothing of contoso's history.
    expect(factsOf(await handle(received(alertOf(9, [host], 'fabrikam'), 9)))).toEqual([]);
    const pooled = setup({ poolRulesAcrossTenants: true });
    await pooled(received(a1, 1));
    await pooled(dispositioned(a1, 'true-positive', 1));
    const other = factsOf(await pooled(received(alertOf(9, [host], 'fabrikam'), 9)));
    expect(other.map((f) => f.id)).toEqual(['rule-history:generic:asc-cred-cmdline']);
    expect(other[0]?.attributes).toMatchObject({ priorAlertCount: 1, truePositives: 1 });
  });

  it('the disposition event parses at the edge and records for an entity whose sightings expired', async () => {
    const handle = setup();
    const gone = alertOf(7, [user]);
    const event = dispositioned(gone, 'false-positive', 7);
    const parsed = parseEvent(JSON.parse(JSON.stringify(event)));
    expect(parsed.ok).toBe(true);
    await handle(event);
    const facts = factsOf(await handle(received(alertOf(8, [user]), 8)));
    expect(facts.find((f) => f.id === 'history:user:msticadmin')?.attributes).toMatchObject({ priorAlertCount: 0, falsePositives: 1 });
  });

  it('counts only dispositions the analyst API emitted: one published under any other source changes no history', async () => {
    const handle = setup();
    const a1 = alertOf(1, [host, user]);
    await handle(received(a1, 1));
    for (const source of ['/soc/ingestion', '/soc/replay', 'urn:attacker', '/soc/api/']) {
      const forged = { ...dispositioned(a1, 'false-positive', 2), id: `forged-${source}`, source };
      expect(await handle(forged)).toEqual({ emit: [] });
    }
    const next = factsOf(await handle(received(alertOf(2, [host, user]), 2)));
    expect(counts(next)).toEqual({
      'history:host:msticalertswin1': [0, 0, 0],
      'history:user:msticadmin': [0, 0, 0],
      'rule-history:generic:asc-cred-cmdline': [0, 0, 0],
    });
    await handle(dispositioned(a1, 'false-positive', 3));
    const after = factsOf(await handle(received(alertOf(3, [host, user]), 3)));
    expect(after.find((f) => f.kind === 'rule-history')?.attributes.falsePositives).toBe(1);
  });
});
