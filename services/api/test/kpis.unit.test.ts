import { describe, expect, it } from 'vitest';
import type { Severity } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import type { CaseEventDoc } from '../src/case-view.ts';
import { type CaseFacts, caseFactsOf, computeKpis, p90 } from '../src/kpis.ts';

// Hand-built case timelines (the documents the case view stores), so each KPI can be checked against arithmetic
// done by hand.
const T0 = Date.UTC(2026, 10, 23, 0, 0, 0);
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();
const MIN = 60;
const HOUR = 3600;

interface Copilot {
  status: 'advised' | 'cached' | 'failed' | 'skipped';
  verdict?: string;
  usage?: { promptTokens: number; completionTokens: number; cost?: number };
}
interface Timeline {
  id: string;
  tenant?: string;
  severity?: Severity;
  received: number;
  triaged?: number;
  verdict?: string;
  copilot?: Copilot;
  decided?: number;
  escalation?: boolean;
  dispositions?: [analyst: string, disposition: string, at: number][];
  deadLetters?: number;
}

function doc(alertId: string, eventId: string, type: string, time: number, data: unknown): CaseEventDoc {
  return { alertId, eventId, type, time: iso(time), source: '/soc/test', correlationid: `corr-${alertId}`, causationid: null, requestId: null, data };
}

function timeline(t: Timeline): CaseEventDoc[] {
  const alert = sampleAlert({ alertId: t.id, tenantId: t.tenant ?? 'contoso', severity: t.severity ?? 'high' });
  const triage = {
    engine: { name: 'deterministic', version: 't' },
    risk: { score: 50, level: 'medium', factors: [] },
    verdict: { class: t.verdict ?? 'true-positive', likelihoods: { truePositive: 0.5, benignPositive: 0.25, falsePositive: 0.25 } },
    summary: 's',
    nextSteps: [],
    attack: [],
    ...(t.copilot ? { copilot: { evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [], removed: [], ...t.copilot, ...(t.copilot.verdict ? { verdict: { class: t.copilot.verdict, confidence: 0.8 } } : {}) } } : {}),
  };
  const docs = [doc(t.id, `${t.id}-r`, 'soc.alert.received.v1', t.received, { alert, receivedAt: iso(t.received), receivedVia: 'http', sender: 'siem', priority: 'normal' })];
  if (t.triaged !== undefined) docs.push(doc(t.id, `${t.id}-t`, 'soc.alert.triaged.v1', t.triaged, { enrichment: { facts: [], missing: [] }, triage }));
  if (t.decided !== undefined) {
    const escalation = t.escalation ? { escalation: { id: 'esc', kind: 'Escalate', afterMinutes: 30, email: { to: ['soc@contoso.com'] } } } : {};
    docs.push(doc(t.id, `${t.id}-d`, 'soc.decision.made.v2', t.decided, { triage, policy: { id: 'p', version: '1' }, actions: [], rejected: [], ...escalation }));
  }
  for (const [i, [analyst, disposition, at]] of (t.dispositions ?? []).entries()) {
    docs.push(doc(t.id, `${t.id}-disp-${i}`, 'soc.alert.dispositioned.v1', at, { alertId: t.id, tenantId: alert.tenantId, rule: { source: 'generic', title: 'x' }, entityIds: [], disposition, analyst, at: iso(at) }));
  }
  for (let i = 0; i < (t.deadLetters ?? 0); i += 1) {
    docs.push(doc(t.id, `${t.id}-dlq-${i}`, 'soc.processing.failed.v1', t.received + 1, { subscription: 'triage', failedEventId: 'e', failedEventType: 'soc.alert.enriched.v1', reason: 'MaxDeliveryCountExceeded', description: 'x', deliveryCount: 5 }));
  }
  return docs;
}

const facts = (timelines: Timeline[]): CaseFacts[] => timelines.map((t) => caseFactsOf(t.id, timeline(t))!);
const settings = { from: new Date(T0), to: new Date(T0 + 7 * 86_400_000), now: new Date(T0 + 2 * HOUR * 1000), shiftHours: 8, slaMinutes: {} };

describe('p90 (nearest rank)', () => {
  it('is the ⌈0.9·n⌉-th smallest value, exactly', () => {
    expect(p90([])).toBeNull();
    expect(p90([7])).toBe(7);
    expect(p90([10, 9, 8, 7, 6, 5, 4, 3, 2, 1])).toBe(9); // ⌈9⌉ = 9th
    expect(p90([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11])).toBe(10); // ⌈9.9⌉ = 10th
  });
});

describe('KPIs from case timelines', () => {
  it('time to triage: receipt → first triage, mean and p90 over the triaged cases only', () => {
    const cases = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10].map((d, i) => ({ id: `a${i}`, received: i * 100, triaged: i * 100 + d }));
    const k = computeKpis(facts([...cases, { id: 'untriaged', received: 5 }]), settings);
    expect(k.cases).toBe(11);
    expect(k.timeToTriage).toMatchObject({ meanSeconds: 5.5, p90Seconds: 9, cases: 10 });
  });

  it('time to disposition takes the first disposition; false-positive closure the one that made the case false-positive', () => {
    const k = computeKpis(
      facts([
        { id: 'tp-then-fp', received: 0, dispositions: [['alice', 'true-positive', 60], ['alice', 'false-positive', 600]] },
        { id: 'fp-then-tp', received: 0, dispositions: [['alice', 'false-positive', 120], ['bob', 'true-positive', 300]] },
        { id: 'fp', received: 0, dispositions: [['bob', 'false-positive', 180]] },
        { id: 'open', received: 0 },
      ]),
      settings,
    );
    expect(k.timeToDisposition).toMatchObject({ meanSeconds: 120, p90Seconds: 180, cases: 3 });
    expect(k.falsePositiveClosure).toMatchObject({ meanSeconds: 390, p90Seconds: 600, cases: 2 });
    expect(k.truePositiveRate).toMatchObject({ value: 1 / 3, numerator: 1, denominator: 3 });
  });

  it('alerts per analyst per shift: distinct (analyst, alert) pairs over the shifts each analyst was active in', () => {
    const timelines: Timeline[] = [
      // alice: p1 (dispositioned twice: counted once, at her first), p2, p3 in 00:00–08:00; p4 in 08:00–16:00
      { id: 'p1', received: 0, dispositions: [['alice', 'true-positive', 1 * HOUR], ['alice', 'false-positive', 2 * HOUR]] },
      { id: 'p2', received: 0, dispositions: [['alice', 'false-positive', 3 * HOUR], ['bob', 'false-positive', 4 * HOUR]] },
      { id: 'p3', received: 0, dispositions: [['alice', 'benign-positive', 7 * HOUR]] },
      { id: 'p4', received: 0, dispositions: [['alice', 'benign-positive', 9 * HOUR]] },
      // bob: p2 above and p5, both in 00:00–08:00
      { id: 'p5', received: 0, dispositions: [['bob', 'true-positive', 5 * HOUR]] },
    ];
    // pairs: alice p1 p2 p3 p4, bob p2 p5 = 6; 8-hour shifts: alice 2, bob 1 = 3
    expect(computeKpis(facts(timelines), settings).alertsPerAnalystPerShift).toMatchObject({ value: 2, numerator: 6, denominator: 3, analysts: 2, shiftHours: 8 });
    // 4-hour shifts: alice 00–04 (p1, p2), 04–08 (p3), 08–12 (p4); bob 04–08 (p2, p5) = 4
    expect(computeKpis(facts(timelines), { ...settings, shiftHours: 4 }).alertsPerAnalystPerShift).toMatchObject({ value: 1.5, numerator: 6, denominator: 4, shiftHours: 4 });
  });

  it('escalation rate: decided cases whose current decision carries the escalation, over decided cases', () => {
    const k = computeKpis(
      facts([
        { id: 'e1', received: 0, decided: 5, escalation: true },
        { id: 'e2', received: 0, decided: 5 },
        { id: 'e3', received: 0, decided: 5 },
        { id: 'e4', received: 0, decided: 5 },
        { id: 'undecided', received: 0 },
      ]),
      settings,
    );
    expect(k.escalationRate).toMatchObject({ value: 0.25, numerator: 1, denominator: 4 });
  });

  it('override rates: the latest disposition against the engine verdict and against the copilot verdict', () => {
    const k = computeKpis(
      facts([
        { id: 'agree', received: 0, triaged: 1, verdict: 'true-positive', copilot: { status: 'advised', verdict: 'true-positive' }, dispositions: [['a', 'true-positive', 10]] },
        { id: 'overrides-engine', received: 0, triaged: 1, verdict: 'true-positive', copilot: { status: 'cached', verdict: 'false-positive' }, dispositions: [['a', 'false-positive', 10]] },
        { id: 'overrides-both', received: 0, triaged: 1, verdict: 'false-positive', copilot: { status: 'advised', verdict: 'false-positive' }, dispositions: [['a', 'true-positive', 10]] },
        // needs-more-information claims nothing, so there is nothing to override
        { id: 'nmi', received: 0, triaged: 1, verdict: 'needs-more-information', dispositions: [['a', 'true-positive', 10]] },
        { id: 'not-dispositioned', received: 0, triaged: 1, verdict: 'false-positive', copilot: { status: 'advised', verdict: 'true-positive' } },
      ]),
      settings,
    );
    expect(k.engineOverrideRate).toMatchObject({ numerator: 2, denominator: 3 });
    expect(k.copilotOverrideRate).toMatchObject({ numerator: 1, denominator: 3 });
  });

  it('LLM calls, tokens and cost: advised notes only (a cached note repeats an earlier call), a redelivered triage counted once', () => {
    const advised = timeline({ id: 'l1', received: 0, triaged: 2, copilot: { status: 'advised', usage: { promptTokens: 100, completionTokens: 50, cost: 0.01 } } });
    const all = [
      caseFactsOf('l1', [...advised, ...advised]), // the same stored documents twice: one triage
      caseFactsOf('l2', timeline({ id: 'l2', received: 0, triaged: 2, copilot: { status: 'cached', usage: { promptTokens: 100, completionTokens: 50, cost: 0.01 } } })),
      caseFactsOf('l3', timeline({ id: 'l3', received: 0, triaged: 2, copilot: { status: 'failed' } })),
      caseFactsOf('l4', timeline({ id: 'l4', received: 0, triaged: 2 })),
    ].map((f) => f!);
    const k = computeKpis(all, settings);
    expect(k.llm).toMatchObject({ verdicts: 4, calls: 1, failed: 1, tokens: 150, cost: 0.01, callsPerVerdict: 0.25, tokensPerVerdict: 37.5, costPerVerdict: 0.0025 });
    expect(k.timeToTriage.cases).toBe(4);
  });

  it('dead letters: the notices recorded on the cases', () => {
    const k = computeKpis(facts([{ id: 'd1', received: 0, deadLetters: 2 }, { id: 'd2', received: 0, deadLetters: 1 }, { id: 'd3', received: 0 }]), settings);
    expect(k.deadLetters).toMatchObject({ messages: 3, cases: 2 });
  });

  it('SLA per severity: first disposition after the target, or open and older than the target now', () => {
    const now = new Date(T0 + 40 * MIN * 1000);
    const k = computeKpis(
      facts([
        { id: 'c-in-time', severity: 'critical', received: 0, dispositions: [['a', 'true-positive', 10 * MIN]] },
        { id: 'c-late', severity: 'critical', received: 0, dispositions: [['a', 'true-positive', 20 * MIN]] },
        { id: 'c-open', severity: 'critical', received: 10 * MIN },
        { id: 'h-open', severity: 'high', received: 10 * MIN },
      ]),
      { ...settings, now, slaMinutes: { critical: 15, high: 60, low: 1440 } },
    );
    expect(k.sla.bySeverity).toEqual({
      critical: { targetMinutes: 15, cases: 3, pastSla: 2, openPastSla: 1 },
      high: { targetMinutes: 60, cases: 1, pastSla: 0, openPastSla: 0 },
      low: { targetMinutes: 1440, cases: 0, pastSla: null, openPastSla: null },
    });
  });

  it('only cases received in [from, to) count', () => {
    const k = computeKpis(
      facts([
        { id: 'before', received: -1, triaged: 10 },
        { id: 'at-from', received: 0, triaged: 4 },
        { id: 'at-to', received: 100, triaged: 200 },
      ]),
      { ...settings, to: new Date(T0 + 100_000) },
    );
    expect(k.cases).toBe(1);
    expect(k.timeToTriage).toMatchObject({ meanSeconds: 4, cases: 1 });
  });

  it('an empty window gives nulls, not zeros', () => {
    const k = computeKpis(facts([{ id: 'old', received: -10, triaged: 1, decided: 2, dispositions: [['a', 'true-positive', 5]] }]), { ...settings, slaMinutes: { critical: 15 } });
    expect(k.cases).toBe(0);
    for (const d of [k.timeToTriage, k.timeToDisposition, k.falsePositiveClosure]) expect(d).toMatchObject({ meanSeconds: null, p90Seconds: null, cases: 0 });
    for (const r of [k.alertsPerAnalystPerShift, k.escalationRate, k.truePositiveRate, k.engineOverrideRate, k.copilotOverrideRate]) expect(r).toMatchObject({ value: null, denominator: 0 });
    expect(k.llm).toMatchObject({ verdicts: 0, calls: null, failed: null, tokens: null, cost: null, callsPerVerdict: null, tokensPerVerdict: null, costPerVerdict: null });
    expect(k.deadLetters).toMatchObject({ messages: null, cases: null });
    expect(k.sla.bySeverity.critical).toMatchObject({ cases: 0, pastSla: null });
  });

  it('names the definition of every KPI', () => {
    const k = computeKpis([], settings);
    for (const kpi of [k.timeToTriage, k.timeToDisposition, k.falsePositiveClosure, k.alertsPerAnalystPerShift, k.escalationRate, k.truePositiveRate, k.engineOverrideRate, k.copilotOverrideRate, k.llm, k.deadLetters, k.sla]) {
      expect(kpi.definition.length).toBeGreaterThan(20);
    }
  });
});
