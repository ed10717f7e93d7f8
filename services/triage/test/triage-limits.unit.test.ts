import { describe, expect, it } from 'vitest';
import { Triage, type Alert, type Entity, MAX_TRIAGE_BYTES, jsonBytes } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import { OVERSIZED_NOTE, boundTriage } from '../src/bound-triage.ts';
import { loadTriageKnowledge, triageAlert } from '../src/engine.ts';
import { loadWeights } from '../src/weights.ts';

const weights = loadWeights();
const knowledge = loadTriageKnowledge();

describe('the triage of any valid alert passes its contract', () => {
  it('hundreds of external addresses and a long URL: factor evidence and next steps stay within their limits', () => {
    const ips: Entity[] = Array.from({ length: 300 }, (_, i) => ({ id: `ip:203.0.${i >> 8}.${i & 255}`, type: 'ip', value: `203.0.${i >> 8}.${i & 255}`, isInternal: false, origin: 'source' }));
    const url = `https://bad.example/payload?${'q'.repeat(4000)}`;
    const alert: Alert = sampleAlert({ entities: [{ id: 'url:long', type: 'url', value: url, origin: 'source' }, ...ips] });
    const t = triageAlert(alert, { facts: [], missing: [] }, weights, knowledge);
    const parsed = Triage.safeParse(t);
    expect(parsed.success ? [] : parsed.error.issues.map((i) => i.path.join('.'))).toEqual([]);
    expect(t.risk.factors.find((f) => f.name === 'external-ip')!.evidence.endsWith('…')).toBe(true);
    expect(t.nextSteps[0]!.startsWith('Check who else accessed https://bad.example/payload?qqq')).toBe(true);
    expect(jsonBytes(t)).toBeLessThanOrEqual(MAX_TRIAGE_BYTES);
  });

  it('boundTriage fits a copilot note citing many long entity ids (evidence, hunts, containment targets), saying what it left out', () => {
    const base = triageAlert(sampleAlert(), { facts: [], missing: [] }, weights, knowledge);
    const ids = Array.from({ length: 50 }, (_, i) => `url:https://bad.example/${i}/${'p'.repeat(2000)}`);
    const big: Triage = {
      ...base,
      copilot: {
        status: 'advised',
        evidence: ids,
        investigationSteps: [],
        huntQueries: [],
        removed: [],
        recommendedActions: [
          ...Array.from({ length: 10 }, () => ({ kind: 'GenerateHunt' as const, entityIds: ids, reason: 'hunt' })),
          ...ids.slice(0, 10).map((target) => ({ kind: 'RunContainment' as const, runbook: 'block-url' as const, target, reason: 'block' })),
        ],
        usage: { promptTokens: 900, completionTokens: 300 },
      },
    };
    const bounded = boundTriage(big);
    expect(jsonBytes(bounded)).toBeLessThanOrEqual(MAX_TRIAGE_BYTES);
    expect(Triage.safeParse(bounded).success).toBe(true);
    expect(bounded.risk.score).toBe(base.risk.score);
    expect(bounded.verdict).toEqual(base.verdict);
    expect(bounded.copilot).toMatchObject({ status: 'advised', usage: { promptTokens: 900 }, reason: OVERSIZED_NOTE, recommendedActions: [] });
  });

  it('boundTriage cuts a copilot note that would push the triage over its budget, keeping score and verdict', () => {
    const alert = sampleAlert();
    const base = triageAlert(alert, { facts: [], missing: [] }, weights, knowledge);
    const removed = Array.from({ length: 100 }, (_, i) => ({ path: `investigationSteps.${i}`, reason: 'unknown-entity', value: `v${i}`.padEnd(2100, 'x') }));
    const big: Triage = { ...base, copilot: { status: 'advised', evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: Array.from({ length: 10 }, () => 'q'.repeat(4000)), removed } };
    expect(jsonBytes(big)).toBeGreaterThan(MAX_TRIAGE_BYTES);
    const bounded = boundTriage(big);
    expect(jsonBytes(bounded)).toBeLessThanOrEqual(MAX_TRIAGE_BYTES);
    expect(bounded.risk).toEqual(base.risk);
    expect(bounded.verdict).toEqual(base.verdict);
    expect(Triage.safeParse(bounded).success).toBe(true);
  });
});
