import { describe, expect, it } from 'vitest';
import { AlertTriagedV1, type Alert, type Triage, createEvent, parseEvent } from '@soc/contracts';
import { SAMPLE_ENTITIES, sampleAlert } from '@soc/contracts/testing';
import { manualClock } from '@soc/runtime';
import { applyPolicy, recommend, refusalOf } from '../src/decide.ts';
import { decide } from '../src/handler.ts';
import { DecisionPolicy, loadPolicy } from '../src/policy.ts';

const policy = loadPolicy();
const alert: Alert = sampleAlert({
  alertId: 'alt-9',
  entities: [SAMPLE_ENTITIES.externalIp, SAMPLE_ENTITIES.internalIp, { id: 'host:web01', type: 'host', value: 'web01', origin: 'source' }],
});
const triageAt = (level: Triage['risk']['level'], tp: number, cls: Triage['verdict']['class'] = 'true-positive'): Triage => ({
  engine: { name: 'deterministic', version: 'test' },
  risk: { score: { low: 10, medium: 40, high: 70, critical: 90 }[level], level, factors: [] },
  verdict: { class: cls, likelihoods: { truePositive: tp, benignPositive: (1 - tp) / 2, falsePositive: (1 - tp) / 2 } },
  summary: 's',
  nextSteps: [],
  attack: [],
});

describe('decision policy', () => {
  it('below the email threshold recommends nothing', () => {
    expect(recommend(alert, triageAt('low', 0.3, 'needs-more-information'), policy, 'd')).toEqual([]);
  });

  it('a high risk gets an email, a ticket and a hunt, but no containment', () => {
    const kinds = recommend(alert, triageAt('high', 0.7), policy, 'd').map((a) => a.kind);
    expect(kinds).toEqual(['SendEmail', 'CreateTicket', 'GenerateHunt']);
  });

  it('a critical true positive requests containment of external IPs and hosts only, all awaiting approval', () => {
    const t = triageAt('critical', 0.95);
    const { actions, rejected } = applyPolicy(recommend(alert, t, policy, 'd'), alert, t, policy);
    const contain = actions.filter((a) => a.kind === 'RunContainment');
    expect(contain.map((a) => a.kind === 'RunContainment' && a.target.value)).toEqual(['185.220.101.4', 'web01']);
    expect(contain.every((a) => a.kind === 'RunContainment' && a.requiresApproval)).toBe(true);
    expect(rejected).toEqual([{ kind: 'RunContainment', reason: 'target 10.0.0.7 is an internal address' }]);
  });

  it('a confident false positive is suppressed instead of notified', () => {
    const t = triageAt('medium', 0.1, 'false-positive');
    t.verdict.likelihoods.falsePositive = 0.7;
    expect(recommend(alert, t, policy, 'd').map((a) => a.kind)).toEqual(['Suppress']);
  });

  it('refuses recommendations outside the guardrails, whoever made them', () => {
    const t = triageAt('critical', 0.99);
    const base = { actionId: 'a', reason: 'llm said so' };
    expect(refusalOf({ ...base, kind: 'SendEmail', to: ['attacker@evil.example'], template: 'alert-summary' }, alert, t, policy)).toMatch(/outside the allowed domains/);
    expect(refusalOf({ ...base, kind: 'RunContainment', runbook: 'rotate-secret', target: { entityId: 'host:web01', type: 'host', value: 'web01' }, requiresApproval: true }, alert, t, policy)).toMatch(/not allowed/);
    expect(refusalOf({ ...base, kind: 'RunContainment', runbook: 'isolate-host', target: { entityId: 'host:dc01', type: 'host', value: 'dc01' }, requiresApproval: true }, alert, t, policy)).toMatch(/not an entity/);
    expect(refusalOf({ ...base, kind: 'PostChat', channel: 'teams', destination: 'https://evil.example/hook' }, alert, t, policy)).toMatch(/disabled|not configured/);
    expect(refusalOf({ ...base, kind: 'GenerateHunt', entityIds: ['ip:6.6.6.6'] }, alert, t, policy)).toMatch(/unknown entities/);
    expect(refusalOf({ ...base, kind: 'Suppress' }, alert, t, policy)).toMatch(/may not be suppressed/);
  });

  it('refuses a policy file with a runbook outside the contract', () => {
    expect(DecisionPolicy.safeParse({ ...policy, containment: { ...policy.containment, allowedRunbooks: ['format-disk'] } }).success).toBe(false);
  });

  it('emits a valid decision whose action ids are stable across redeliveries', () => {
    const triaged = createEvent(AlertTriagedV1, { alert, enrichment: { facts: [], missing: [] }, triage: triageAt('critical', 0.95) }, {
      id: 't-1',
      source: '/soc/triage',
      time: new Date('2026-11-23T10:00:00Z'),
      correlationid: 'corr-9',
      tenantid: 'contoso',
    });
    const ctx = { policy, clock: manualClock('2026-11-23T10:00:01Z') };
    const a = decide(triaged, ctx);
    expect(decide(triaged, ctx)).toEqual(a);
    expect(a.data.actions.length).toBeGreaterThan(3);
    expect(new Set(a.data.actions.map((x) => x.actionId)).size).toBe(a.data.actions.length);
    expect(parseEvent(JSON.parse(JSON.stringify(a))).ok).toBe(true);
  });
});
