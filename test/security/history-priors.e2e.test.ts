import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYST_TOKEN, SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, eventually, startSystem } from './support.ts';

const C2 = '185.220.101.4';

/**
 * Issue 11, "priors that cannot be gamed": analysts closed a rule 50 times as a false positive. The prior still
 * lowers the rule's next alert, but not one that carries its own strong evidence (a threat-intel hit on an entity
 * the source named): that one stays where its evidence puts it.
 */
describe('analyst history cannot bury a strong indicator', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let sender: ReturnType<typeof client>;
  let viewer: ReturnType<typeof client>;
  let analyst: ReturnType<typeof client>;

  beforeAll(async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-ti-'));
    writeFileSync(join(dir, 'c2.csv'), `Indicator,Type,ActivityGroupNames\n${C2},ip,TestGroup\n`);
    system = await startSystem({ TI_FEEDS: join(dir, 'c2.csv') });
    sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
    analyst = client(system.url, ANALYST_TOKEN);
  });
  afterAll(async () => {
    await system?.close();
  });

  const alert = (id: string, rule: string, ip?: string) => ({
    id,
    title: 'Rare outbound connection',
    severity: 'medium',
    rule: { id: rule },
    entities: [{ type: 'host', value: `${id}.contoso.com` }, ...(ip === undefined ? [] : [{ type: 'ip', value: ip }])],
  });
  const post = async (body: ReturnType<typeof alert>) => {
    const res = await sender('/api/v1/alerts/generic', { body });
    expect(res.status).toBe(202);
    return decidedCase(viewer, res.body.alertId as string, 30_000);
  };
  const ruleFalsePositives = (c: { enrichment: { facts: { kind: string; attributes: Record<string, unknown> }[] } }): number => {
    const n = c.enrichment.facts.find((f) => f.kind === 'rule-history')?.attributes.falsePositives;
    return typeof n === 'number' ? n : 0;
  };

  it('keeps a malicious indicator where its evidence puts it, and still lowers the same rule without one', async () => {
    // The indicator on a rule with no history: what its own evidence says.
    const control = await post(alert('control-1', 'FRESH-RULE', C2));
    expect(control.triage.risk.factors.map((f: { name: string }) => f.name)).toContain('threat-intel');

    const noisy = [];
    for (let i = 0; i < 50; i++) noisy.push(await post(alert(`noisy-${i}`, 'NOISY-RULE')));
    for (const c of noisy) expect((await analyst(`/api/v1/alerts/${c.alertId as string}/disposition`, { body: { disposition: 'false-positive' } })).status).toBe(202);
    // Enrichment has counted all 50 once a probe of the rule shows them (weighed by age: minutes old, just under 1 each).
    let probes = 0;
    await eventually(async () => (ruleFalsePositives(await post(alert(`probe-${probes++}`, 'NOISY-RULE'))) > 49.9 ? true : undefined), 30_000, '50 dispositions counted');

    const plain = await post(alert('plain-1', 'NOISY-RULE'));
    const indicated = await post(alert('indicated-1', 'NOISY-RULE', C2));
    expect(ruleFalsePositives(indicated)).toBeCloseTo(50, 1);

    // The prior still works: the rule's plain alert is lowered below medium, toward false positive.
    expect(plain.triage.risk.level).toBe('low');
    expect(plain.triage.verdict.class).toBe('false-positive');
    // The indicator keeps its evidence's level and verdict, whatever the rule's history.
    expect(indicated.triage.risk.score).toBeGreaterThanOrEqual(control.triage.risk.score);
    expect({ level: indicated.triage.risk.level, verdict: indicated.triage.verdict.class }).toEqual({ level: control.triage.risk.level, verdict: control.triage.verdict.class });
    expect(control.triage.risk.level).toBe('high');
    expect(control.triage.verdict.class).toBe('true-positive');
  }, 120_000);
});
