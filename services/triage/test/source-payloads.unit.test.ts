import { describe, expect, it } from 'vitest';
import { Alert, type Enrichment } from '@soc/contracts';
import { loadTriageKnowledge, triageAlert } from '../src/engine.ts';
import { LabelledFileError, type PayloadParser, evaluateSourcePayloads, readSourcePayloadJsonl } from '../src/eval/index.ts';
import { loadWeights } from '../src/weights.ts';

const weights = loadWeights();
const knowledge = loadTriageKnowledge();

// The generic source's body is the common alert itself: validate it with the contract, as ingestion would.
const parseGeneric: PayloadParser = (_source, payload) => {
  const alert = Alert.safeParse(payload);
  return alert.success ? { ok: true, alerts: [alert.data] } : { ok: false, reason: alert.error.issues[0]?.message ?? 'invalid' };
};

const alert = (id: string, minute: number) => ({
  schemaVersion: 1,
  alertId: id,
  tenantId: 'contoso',
  source: { name: 'generic', vendorAlertId: id },
  title: 'Impossible travel',
  severity: 'low',
  detectedAt: `2024-05-01T00:0${minute}:00Z`,
  rule: { id: 'impossible-travel' },
});
const line = (payload: unknown, label: string, minute: number, source = 'generic') => JSON.stringify({ source, payload, label, at: `2024-05-01T00:0${minute}:00Z` });

describe('labelled source payloads', () => {
  it('reads them in time order, skips unknown labels and names the line of a malformed one', () => {
    const set = readSourcePayloadJsonl([line(alert('b', 2), 'false-positive', 2), line(alert('a', 1), 'TruePositive', 1), line(alert('c', 3), 'unsure', 3)].join('\n'));
    expect(set.skipped).toBe(1);
    expect(set.payloads.map((p) => [p.line, p.label])).toEqual([
      [2, 'true-positive'],
      [1, 'false-positive'],
    ]);
    expect(() => readSourcePayloadJsonl('{"source":"generic","label":"true-positive","at":"2024-05-01T00:00:00Z"}')).toThrow(LabelledFileError);
    expect(() => readSourcePayloadJsonl('{"source":"generic","label":"true-positive","at":"2024-05-01T00:00:00Z"}')).toThrow(/^line 1: payload: /);
    expect(() => readSourcePayloadJsonl('{"source":"generic","payload":{},"label":"true-positive"}')).toThrow(/^line 1: at: /);
  });

  it('feeds labels back online only: zero-shot sees the sightings, never a disposition', () => {
    const { payloads } = readSourcePayloadJsonl([0, 1, 2].map((m) => line(alert(`a${m}`, m), 'false-positive', m)).join('\n'));
    const seen: { mode: number; enrichment: Enrichment }[] = [];
    let mode = 0;
    const report = evaluateSourcePayloads(payloads, parseGeneric, (a, e) => {
      if (a.alertId === 'a0') mode += 1;
      seen.push({ mode, enrichment: e });
      return triageAlert(a, e, weights, knowledge);
    });
    const lastRuleFacts = (m: number) => seen.filter((s) => s.mode === m).at(-1)?.enrichment.facts.find((f) => f.kind === 'rule-history')?.attributes;
    expect(lastRuleFacts(1)).toMatchObject({ priorAlertCount: 2, falsePositives: 0 }); // zero-shot runs first
    expect(lastRuleFacts(2)).toMatchObject({ priorAlertCount: 2, falsePositives: 2 });
    expect(report.zeroShot.overall).toMatchObject({ payloads: 3, parsed: 3, alerts: 3, recall: 0, fpr: 0 });
    expect(report.zeroShot.bySource.generic?.payloads).toBe(3);
  });

  it('counts a refused payload as a missed attack, and false alarms over benign and false positives', () => {
    const { payloads } = readSourcePayloadJsonl(
      [line({ not: 'an alert' }, 'true-positive', 0), line({ ...alert('x', 1), severity: 'critical' }, 'benign-positive', 1), line(alert('y', 2), 'false-positive', 2, 'other')].join('\n'),
    );
    const report = evaluateSourcePayloads(payloads, parseGeneric, (a, e) => triageAlert(a, e, weights, knowledge));
    expect(report.refused).toEqual([{ line: 1, source: 'generic', reason: expect.any(String) as string }]);
    const all = report.zeroShot.overall;
    expect(all).toMatchObject({ payloads: 3, parsed: 2, alerts: 2, recall: 0 });
    expect(all.verdicts + all.needsMoreInformation).toBe(2);
    const calledTrue = [report.zeroShot.bySource.generic, report.zeroShot.bySource.other].filter((s) => s && s.fpr > 0).length;
    expect(all.fpr).toBeCloseTo(calledTrue / 2, 5);
    expect(Object.keys(report.online.bySource)).toEqual(['generic', 'other']);
  });
});
