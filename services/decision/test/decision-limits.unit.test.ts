import { describe, expect, it } from 'vitest';
import { AlertTriagedV1, type Alert, type Entity, MAX_DECISION_ACTIONS_BYTES, type Triage, createEvent, jsonBytes, parseEvent } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import { defaultInternalNetworks } from '@soc/guardrails';
import { manualClock } from '@soc/runtime';
import { decide } from '../src/handler.ts';
import { loadPolicy } from '../src/policy.ts';

const policy = loadPolicy();
const critical: Triage = {
  engine: { name: 'deterministic', version: 'test' },
  risk: { score: 95, level: 'critical', factors: [] },
  verdict: { class: 'true-positive', likelihoods: { truePositive: 0.97, benignPositive: 0.015, falsePositive: 0.015 } },
  summary: 's',
  nextSteps: [],
  attack: [],
};
const decideOn = (alert: Alert, withPolicy = policy) =>
  decide(
    createEvent(AlertTriagedV1, { alert, enrichment: { facts: [], missing: [] }, triage: critical }, { id: 'tri-1', source: '/soc/triage', time: new Date('2026-11-23T10:00:00Z'), correlationid: 'c', tenantid: alert.tenantId }),
    { policy: withPolicy, clock: manualClock('2026-11-23T10:00:00Z'), internalNetworks: defaultInternalNetworks },
  );

describe('a decision passes its contract whatever the alert holds', () => {
  const ips: Entity[] = Array.from({ length: 300 }, (_, i) => ({ id: `ip:203.0.${i >> 8}.${i & 255}`, type: 'ip', value: `203.0.${i >> 8}.${i & 255}`, isInternal: false, origin: 'source' }));

  it('a critical alert naming 300 external addresses: the default policy proposes 3 containments, the rest refused for the cap', () => {
    const out = decideOn(sampleAlert({ entities: ips }));
    expect(out.data.actions.filter((a) => a.kind === 'RunContainment')).toHaveLength(3);
    expect(out.data.rejected[0]!.reason).toBe('not proposed: at most 3 containment action(s) per alert (containment.maxActionsPerAlert); contain the rest by hand');
    expect(out.data.rejected.at(-1)!.reason).toMatch(/^266 more refusal\(s\) not listed \(RunContainment\)/);
  });

  it('a critical alert naming 300 external addresses under a policy allowing more: at most 32 actions, the rest listed as not carried out', () => {
    const out = decideOn(sampleAlert({ entities: ips }), { ...policy, containment: { ...policy.containment, maxActionsPerAlert: 32 } });
    expect(parseEvent(JSON.parse(JSON.stringify(out)))).toMatchObject({ ok: true });
    expect(out.data.actions.length).toBeLessThanOrEqual(32);
    expect(out.data.actions.map((a) => a.kind).slice(0, 2)).toEqual(['SendEmail', 'CreateTicket']);
    expect(jsonBytes({ actions: out.data.actions, rejected: out.data.rejected })).toBeLessThanOrEqual(MAX_DECISION_ACTIONS_BYTES);
    // 32 containments, the e-mail and the ticket: two past the contract's 32 are not carried out.
    expect(out.data.actions).toHaveLength(32);
    expect(out.data.rejected.at(-1)!.reason).toMatch(/^240 more refusal\(s\) not listed \(RunContainment\)/);
  });

  it('a refusal quoting a long entity value is cut to the contract', () => {
    // A sender may mark an address internal itself (the generic alert passes entity extras on); its value is any text.
    const value = `fe80::1%${'eth'.repeat(600)}`;
    const ip: Entity = { id: `ip:${value}`, type: 'ip', value, isInternal: true, origin: 'source' };
    const out = decideOn(sampleAlert({ entities: [ip] }));
    expect(parseEvent(JSON.parse(JSON.stringify(out)))).toMatchObject({ ok: true });
    expect(out.data.rejected).toEqual([{ kind: 'RunContainment', reason: expect.stringMatching(/^target fe80::1%etheth.*…$/) }]);
    for (const r of out.data.rejected) expect(r.reason.length).toBeLessThanOrEqual(1024);
  });

  it('many long refusals: actions and refusals together stay within the decision\'s share of the budget', () => {
    // Internal addresses with long zone ids: each containment is refused with a reason quoting its value.
    const ips: Entity[] = Array.from({ length: 60 }, (_, i) => {
      const value = `fe80::${i.toString(16)}%${'eth'.repeat(600)}`;
      return { id: `ip:${value}`, type: 'ip', value, isInternal: true, origin: 'source' };
    });
    const out = decideOn(sampleAlert({ entities: ips }));
    expect(parseEvent(JSON.parse(JSON.stringify(out)))).toMatchObject({ ok: true });
    expect(jsonBytes({ actions: out.data.actions, rejected: out.data.rejected })).toBeLessThanOrEqual(MAX_DECISION_ACTIONS_BYTES);
    expect(out.data.rejected.at(-1)!.reason).toMatch(/more refusal\(s\) not listed/);
  });
});
