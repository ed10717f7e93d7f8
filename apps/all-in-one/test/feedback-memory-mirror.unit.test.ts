import { describe, expect, it } from 'vitest';
import { type Alert, type Disposition, type Fact, eventShapeOf } from '@soc/contracts';
import { StateAlertHistory, historyFacts, ruleKeyOf } from '@soc/enrichment';
import { MemoryStateStore } from '@soc/state';
import { FeedbackMemory } from '@soc/triage';

// `soc eval` replays labelled alerts through an in-memory mirror of enrichment's history (FeedbackMemory): its
// numbers say something about production only while the mirror states what enrichment's state-store history
// would. The same alerts and dispositions go through both; the facts triage reads must be the same.

const lineage = (n: number, parent: string, image: string, tenantId: string, extra: Alert['entities'] = []): Alert => ({
  schemaVersion: 1,
  alertId: `alt-${n}`,
  tenantId,
  source: { name: 'wazuh', vendorAlertId: `v-${n}` },
  title: 'Powershell execution',
  description: '',
  severity: 'medium',
  status: 'new',
  detectedAt: '2026-11-23T09:00:00.000Z',
  rule: { id: '92057' },
  attack: [],
  entities: [{ id: 'host:ws1', type: 'host', value: 'ws1', origin: 'source' }, ...extra],
  labels: [],
  sourceEvents: [{ logsources: [{ product: 'windows', category: 'process_creation' }], fields: { Image: `C:\\Windows\\${image}`, ParentImage: `C:\\Windows\\${parent}` } }],
});

/** What triage reads of a fact: kind, entity and the numbers, not the wording or the observation time. */
const read = (f: Fact): unknown => ({ kind: f.kind, entityId: f.entityId, id: f.id, attributes: f.attributes });

describe('the evaluation feedback memory mirrors enrichment history', () => {
  it.each([
    { pooled: false, winwordAttacks: 0.5 ** (82 / 90) },
    { pooled: true, winwordAttacks: 0.5 ** (82 / 90) + 0.5 ** (40 / 90) },
  ])('states the same history, rule, rule-and-shape and tenant facts for the same alerts and dispositions (rules pooled across tenants: $pooled)', async ({ pooled, winwordAttacks }) => {
    const store = new StateAlertHistory(new MemoryStateStore(), { retentionDays: 365, poolRulesAcrossTenants: pooled });
    const memory = new FeedbackMemory({ poolRulesAcrossTenants: pooled });
    const extracted = { id: 'ip:10.9.9.9', type: 'ip' as const, value: '10.9.9.9', origin: 'extracted' as const };
    const steps: [Alert, Disposition | undefined][] = [
      [lineage(1, 'services.exe', 'powershell.exe', 'contoso', [extracted]), 'benign-positive'],
      [lineage(2, 'services.exe', 'powershell.exe', 'contoso'), 'benign-positive'],
      [lineage(3, 'services.exe', 'powershell.exe', 'fabrikam'), 'false-positive'],
      [lineage(4, 'winword.exe', 'powershell.exe', 'contoso', [extracted]), 'true-positive'],
      [lineage(5, 'services.exe', 'powershell.exe', 'contoso'), undefined],
      [lineage(6, 'winword.exe', 'powershell.exe', 'fabrikam', [extracted]), 'true-positive'],
      [lineage(7, 'services.exe', 'powershell.exe', 'contoso', [extracted]), 'benign-positive'],
    ];
    for (const [i, [alert, label]] of steps.entries()) {
      // Weeks apart, so the dispositions' weights by age (half-life 90 days) differ and must agree too.
      const at = new Date(Date.UTC(2026, 6, 1 + 21 * i, 9, i)).toISOString();
      const fromStore = historyFacts(await store.lookup(alert, new Date(at)), new Date(at));
      expect(memory.factsFor(alert, at).map(read), `before alert ${i + 1}`).toEqual(fromStore.map(read));
      await store.record(alert, new Date(at));
      memory.record(alert, label, at);
      if (label === undefined) continue;
      // As the analyst API records it: the rule, the event shape and the entities the source named.
      const shape = eventShapeOf(alert);
      await store.recordDisposition({
        alertId: alert.alertId,
        tenantId: alert.tenantId,
        ruleKey: ruleKeyOf(alert),
        ...(shape !== undefined ? { shape } : {}),
        entityIds: alert.entities.filter((e) => e.origin !== 'extracted').map((e) => e.id),
        disposition: label,
        at,
      });
    }
    const last = lineage(8, 'winword.exe', 'powershell.exe', 'contoso', [extracted]);
    const rule = memory.factsFor(last, '2026-11-23T09:07:00.000Z').find((f) => f.kind === 'rule-history');
    expect(rule?.attributes).toMatchObject({ shape: 'process:winword.exe>powershell.exe', shapeBenignPositives: 0 });
    // Confirmed attacks of this shape 82 days before in this tenant and 40 days before in the other (pooled only).
    expect(rule?.attributes.shapeTruePositives).toBeCloseTo(winwordAttacks, 2);
  });
});
