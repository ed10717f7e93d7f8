import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { Alert, Disposition, Enrichment } from '@soc/contracts';
import { loadTriageKnowledge, triageAlert } from '../src/engine.ts';
import { type LabelledAlert, CLASSES, LabelledFileError, classify, evaluate, parseCsv, readGuideCsv, readLabelledJsonl, ruleKeyOf, score } from '../src/eval/index.ts';
import { loadWeights } from '../src/weights.ts';

const weights = loadWeights();
const knowledge = loadTriageKnowledge();
const engine = (a: Alert, e: Enrichment) => triageAlert(a, e, weights, knowledge);
// Every row of GUIDE organisations 1 and 4 (test/fixtures/triage/README.md).
const slice = readFileSync(new URL('../../../test/fixtures/triage/guide-orgs-1-4.csv', import.meta.url), 'utf8');

describe('GUIDE reader', () => {
  it('groups the evidence rows of one alert, drops GUIDE\'s "absent" ids and orders alerts by time', () => {
    const set = readGuideCsv(slice);
    expect(set).toMatchObject({ skipped: 0 });
    expect(set.items).toHaveLength(355); // 490 evidence rows
    const times = set.items.map((i) => Date.parse(i.at));
    expect(times).toEqual([...times].sort((a, b) => a - b));
    const [first] = set.items;
    expect(first?.label).toBe('false-positive');
    expect(first?.at).toBe('2024-05-20T09:02:09.000Z');
    expect(first?.alert).toMatchObject({
      alertId: 'guide-4-421',
      tenantId: 'guide-org-4',
      severity: 'medium',
      rule: { id: '8' },
      attack: [{ techniqueId: 'T1133' }],
      entities: [
        { id: 'host:devicename-679', type: 'host', role: 'target' },
        { id: 'host:devicename-627', type: 'host', role: 'target' },
      ],
    });
    const labels = Object.fromEntries(CLASSES.map((c) => [c, set.items.filter((i) => i.label === c).length]));
    expect(labels).toEqual({ 'true-positive': 224, 'benign-positive': 19, 'false-positive': 112 });
    // 98799 is GUIDE's DeviceId for "no device": it must never become an entity linking unrelated alerts.
    expect(set.items.some((i) => i.alert.entities.some((e) => e.value.endsWith('-98799')))).toBe(false);
  });

  it('skips rows without a grade and refuses a file that is not GUIDE', () => {
    const [header, row] = slice.split('\n');
    const ungraded = (row ?? '').replace(',FalsePositive,', ',,');
    expect(readGuideCsv(`${header}\n${ungraded}\n`)).toEqual({ items: [], skipped: 1 });
    expect(() => readGuideCsv('Id,OrgId\n1,2\n')).toThrow(LabelledFileError);
    expect(() => readGuideCsv('Id,OrgId\n1,2\n')).toThrow('missing column(s) AlertId, Timestamp, DetectorId, IncidentGrade');
  });

  it('parses quoted CSV fields, escaped quotes and CRLF in one pass', () => {
    expect(parseCsv('a,"b,""c""",d\r\n"x\ny",,z\n')).toEqual([
      ['a', 'b,"c"', 'd'],
      ['x\ny', '', 'z'],
    ]);
    const hostile = `"${'"'.repeat(200_000)}`;
    expect(parseCsv(hostile)[0]?.[0]).toHaveLength(100_000);
  });
});

const alertOf = (id: string, rule: string, entities: string[] = []): Alert => ({
  schemaVersion: 1,
  alertId: id,
  tenantId: 'contoso',
  source: { name: 'generic', vendorAlertId: id },
  title: 'Suspicious sign-in',
  description: '',
  severity: 'medium',
  status: 'new',
  detectedAt: '2024-05-01T00:00:00.000Z',
  rule: { id: rule },
  attack: [],
  entities: entities.map((v) => ({ id: `user:${v}`, type: 'user' as const, value: v, origin: 'source' as const })),
  labels: [],
});
const item = (id: string, rule: string, label: Disposition, minute: number, entities: string[] = []): LabelledAlert => ({
  alert: alertOf(id, rule, entities),
  label,
  at: `2024-05-01T00:${String(minute).padStart(2, '0')}:00.000Z`,
});

describe('labelled JSONL reader', () => {
  it('reads alerts with labels in either spelling, in time order, and names the failing line', () => {
    const lines = [
      JSON.stringify({ alert: alertOf('b', 'r1'), label: 'FalsePositive', at: '2024-05-01T00:02:00Z' }),
      '',
      JSON.stringify({ alert: alertOf('a', 'r1'), label: 'true-positive' }),
      JSON.stringify({ alert: alertOf('c', 'r1'), label: 'unknown' }),
    ];
    const set = readLabelledJsonl(lines.join('\n'));
    expect(set.items.map((i) => [i.alert.alertId, i.label, i.at])).toEqual([
      ['a', 'true-positive', '2024-05-01T00:00:00.000Z'],
      ['b', 'false-positive', '2024-05-01T00:02:00Z'],
    ]);
    expect(set.skipped).toBe(1);
    expect(() => readLabelledJsonl(`${lines[0]}\n{oops`)).toThrow('line 2 is not valid JSON');
    expect(() => readLabelledJsonl(JSON.stringify({ alert: { ...alertOf('x', 'r'), severity: 'huge' }, label: 'benign-positive' }))).toThrow(/^line 1: alert\.severity/);
  });
});

describe('evaluate', () => {
  it('feeds each label back only after its prediction, as rule, entity and tenant dispositions', () => {
    const seen: Enrichment[] = [];
    const items = [item('a1', 'r1', 'false-positive', 0, ['ann']), item('a2', 'r1', 'false-positive', 1, ['ann']), item('a3', 'r2', 'true-positive', 2, ['ann'])];
    evaluate(items, (a, e) => {
      seen.push(e);
      return engine(a, e);
    });
    expect(seen[0]?.facts).toEqual([]);
    const attrs = (e: Enrichment | undefined) => Object.fromEntries((e?.facts ?? []).map((f) => [f.id, f.attributes]));
    expect(attrs(seen[1])).toEqual({
      'history:user:ann': expect.objectContaining({ priorAlertCount: 1, truePositives: 0, benignPositives: 0, falsePositives: 1 }),
      'rule-history:generic:r1': expect.objectContaining({ priorAlertCount: 1, falsePositives: 1 }),
      'tenant-history:contoso': { scope: 'tenant', truePositives: 0, benignPositives: 0, falsePositives: 1 },
    });
    // A new rule has no rule history, but the entity and the tenant carry both earlier false positives.
    expect(attrs(seen[2])).toEqual({
      'history:user:ann': expect.objectContaining({ priorAlertCount: 2, falsePositives: 2 }),
      'tenant-history:contoso': { scope: 'tenant', truePositives: 0, benignPositives: 0, falsePositives: 2 },
    });
  });

  it('scores the per-detector majority baseline on the same feedback', () => {
    const items = [
      item('a1', 'r1', 'false-positive', 0),
      item('a2', 'r1', 'false-positive', 1),
      item('a3', 'r1', 'true-positive', 2),
      item('b1', 'r2', 'benign-positive', 3),
      item('b2', 'r2', 'benign-positive', 4),
    ];
    const report = evaluate(items, engine);
    // Predictions: a1 nothing seen yet; a2, a3 r1's majority FP; b1 unseen rule → global majority FP; b2 r2's BP.
    expect(report.baseline.coverage).toBe(0.8);
    expect(report.baseline.accuracy).toBe(0.4);
    expect(report.baseline.perClass['false-positive']).toMatchObject({ precision: 1 / 3, recall: 0.5, support: 2, predicted: 3 });
    expect(report.baseline.perClass['benign-positive']).toMatchObject({ precision: 1, recall: 0.5, predicted: 1 });
    expect(report.baseline.macroF1).toBeCloseTo((0.4 + 2 / 3 + 0) / 3, 10);
    expect(report.labels).toEqual({ 'true-positive': 1, 'benign-positive': 2, 'false-positive': 2 });
  });

  it('computes Brier score and calibration buckets from the likelihoods', () => {
    const r = score(
      [
        { cls: 'true-positive', likelihoods: { 'true-positive': 0.8, 'benign-positive': 0.15, 'false-positive': 0.05 } },
        { cls: 'needs-more-information', likelihoods: { 'true-positive': 0.4, 'benign-positive': 0.35, 'false-positive': 0.25 } },
      ],
      ['true-positive', 'false-positive'],
    );
    expect(r.brier).toBeCloseTo(((0.2 ** 2 + 0.15 ** 2 + 0.05 ** 2) + (0.4 ** 2 + 0.35 ** 2 + 0.75 ** 2)) / 2, 10);
    expect(r.coverage).toBe(0.5);
    expect(r.calibration[8]).toMatchObject({ count: 1, meanLikelihood: 0.8, observed: 1 });
    expect(r.calibration[2]).toMatchObject({ count: 1, meanLikelihood: 0.25, observed: 1 });
    expect(r.calibration[0]).toMatchObject({ count: 1, observed: 0 });
  });

  it('counts a true-positive, needs-more-information or missing verdict as escalated in the binary view', () => {
    const r = classify(
      ['true-positive', 'needs-more-information', undefined, 'false-positive', 'true-positive', 'needs-more-information', 'benign-positive'],
      ['true-positive', 'true-positive', 'true-positive', 'true-positive', 'false-positive', 'benign-positive', 'benign-positive'],
    );
    // Escalated: items 1, 2, 3 (attacks) and 5, 6 (benign): recall 3/4, precision 3/5, FPR 2/3.
    expect(r.escalation).toMatchObject({ escalated: 5, recall: 0.75, precision: 0.6, fpr: 2 / 3 });
    expect(r.escalation.f1).toBeCloseTo(2 / 3, 10);
    // The multi-class view: no verdict is not covered and never right.
    expect(r.coverage).toBe(4 / 7);
    expect(r.perClass['true-positive']).toMatchObject({ predicted: 2, precision: 0.5, recall: 0.25 });
    // The engine's report carries the same view, counted from its classes.
    const report = evaluate([item('a1', 'r1', 'false-positive', 0), item('a2', 'r1', 'true-positive', 1)], engine);
    expect(report.baseline.escalation).toMatchObject({ escalated: 1, recall: 0, fpr: 1 });
  });

  it('reports the engine against the baseline on the GUIDE slice (organisations 1 and 4)', () => {
    const { items } = readGuideCsv(slice);
    const report = evaluate(items, engine);
    expect(report.engineVersion).toBe('1.9.0+weights.1.9.0');
    expect(report.items).toBe(355);
    expect(report.engine.macroF1).toBeCloseTo(0.6384, 4);
    expect(report.engine.perClass['true-positive']).toMatchObject({ precision: 1, predicted: 223, support: 224 });
    expect(report.engine.perClass['false-positive']).toMatchObject({ predicted: 130, support: 112 });
    expect(report.engine.coverage).toBeCloseTo(353 / 355, 10);
    expect(report.baseline.macroF1).toBeCloseTo(0.6292, 4);
    expect(report.baseline.perClass['false-positive']).toMatchObject({ predicted: 135, support: 112 });

    // The baseline recomputed independently from the same labels, in the same order, predicts the same classes.
    const byRule = new Map<string, Record<Disposition, number>>();
    const all: Record<Disposition, number> = { 'true-positive': 0, 'benign-positive': 0, 'false-positive': 0 };
    let correct = 0;
    for (const { alert, label } of items) {
      const counts = byRule.get(ruleKeyOf(alert));
      const source = counts ?? all;
      const best = CLASSES.reduce((b, c) => (source[c] > source[b] ? c : b), 'true-positive' as Disposition);
      if (source[best] > 0 && best === label) correct += 1;
      const next = counts ?? { 'true-positive': 0, 'benign-positive': 0, 'false-positive': 0 };
      next[label] += 1;
      byRule.set(ruleKeyOf(alert), next);
      all[label] += 1;
    }
    expect(report.baseline.accuracy).toBeCloseTo(correct / items.length, 10);
  });
});

describe('evaluate: rule history across tenants', () => {
  it('keeps rule counts per tenant by default, as enrichment does, and pools them across tenants when asked (soc eval --pool-rules)', () => {
    // Five tenants' analysts close a detector as false positive; then it fires in a sixth tenant.
    const items: LabelledAlert[] = [1, 2, 3, 4, 5, 6].map((n) => {
      const it = item(`a-${n}`, 'r-noisy', 'false-positive', n);
      return { ...it, alert: { ...it.alert, tenantId: `org-${n}` } };
    });
    const pooled = evaluate(items, engine, { poolRulesAcrossTenants: true });
    const perTenant = evaluate(items, engine);
    expect(pooled.engine.perClass['false-positive'].predicted).toBeGreaterThan(perTenant.engine.perClass['false-positive'].predicted);
    // Per tenant, every alert is its tenant's first: no rule history, so no false-positive call from a prior.
    expect(perTenant.engine.perClass['false-positive'].predicted).toBe(0);
  });
});
