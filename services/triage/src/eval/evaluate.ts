import type { Alert, Disposition, Enrichment, Triage, VerdictClass } from '@soc/contracts';
import { FeedbackMemory, ruleKeyOf } from './feedback-memory.ts';
import type { LabelledAlert } from './labelled.ts';
import type { CopilotFacts } from '../llm/index.ts';
import type { CopilotReport } from './copilot-eval.ts';

/** The three dispositions, in the order reports list them. */
export const CLASSES: readonly Disposition[] = ['true-positive', 'benign-positive', 'false-positive'];

/** Precision, recall and F1 of one class; 0 where undefined (nothing predicted or nothing to find). */
export interface ClassScore {
  precision: number;
  recall: number;
  f1: number;
  /** Items labelled with this class. */
  support: number;
  /** Items predicted as this class. */
  predicted: number;
}

/** One calibration bucket: predicted likelihoods in [from, to) against how often the class was the label. */
export interface CalibrationBucket {
  from: number;
  to: number;
  count: number;
  meanLikelihood: number;
  observed: number;
}

/**
 * The binary view a SOC measures: is an alert escalated to an analyst? A verdict of `true-positive` or
 * `needs-more-information` (or no verdict at all) escalates; the positives are the alerts labelled `true-positive`.
 */
export interface EscalationScore {
  /** Escalated alerts that were true positives. */
  precision: number;
  /** True positives escalated. */
  recall: number;
  f1: number;
  /** Benign and false positives escalated, over all benign and false positives. */
  fpr: number;
  /** Alerts escalated. */
  escalated: number;
}

/** How a predictor's classes compare with the labels: the part of a report that needs no likelihoods. */
export interface ClassificationReport {
  macroF1: number;
  accuracy: number;
  /** Share of items given a class rather than `needs-more-information` (no prediction, counted as wrong). */
  coverage: number;
  perClass: Record<Disposition, ClassScore>;
  /** True-positive vs not, with `needs-more-information` escalated (see {@link EscalationScore}). */
  escalation: EscalationScore;
}

/** How one predictor did on the replayed items. */
export interface PredictorReport extends ClassificationReport {
  /** Multi-class Brier score: mean over items of Σ (likelihood − outcome)², 0 best, 2 worst. */
  brier: number;
  calibration: CalibrationBucket[];
}

/** The evaluation of the triage engine against the per-detector majority-class baseline on the same feedback. */
export interface EvalReport {
  items: number;
  /** Label counts of the replayed items. */
  labels: Record<Disposition, number>;
  engineVersion: string;
  engine: PredictorReport;
  /** Per-detector (rule key) majority of the labels fed back so far; global majority for a rule not seen yet. */
  baseline: PredictorReport;
  /** The copilot's own verdicts on the same alerts, when `soc eval --copilot` asked it (see `copilot-eval.ts`). */
  copilot?: CopilotReport;
}

/** What {@link evaluate} can report as it replays: each alert as the triage service hands it to the copilot step. */
export interface EvaluateOptions {
  /** Called once per item, in order, with the alert, the enrichment facts it was triaged with and the engine's triage. */
  onTriaged?: (index: number, facts: CopilotFacts) => void;
}

/** Triages one alert with the facts known so far (the engine: `(a, e) => triageAlert(a, e, weights, knowledge)`). */
export type TriageFn = (alert: Alert, enrichment: Enrichment) => Triage;

type Likelihoods = Record<Disposition, number>;
/** One predictor's answer for one item: its class and the likelihood it gave each disposition. */
export interface Prediction {
  cls: VerdictClass;
  likelihoods: Likelihoods;
}

/** How {@link evaluate} keeps history. */
export interface EvaluateOptions {
  /**
   * Rule counts pooled across tenants, as enrichment with `HISTORY_POOL_RULES_ACROSS_TENANTS=true` (`soc eval
   * --pool-rules`). Default off, as enrichment's default: per tenant (GUIDE: 0.836 per tenant, 0.781 pooled,
   * docs/triage-quality.md).
   */
  poolRulesAcrossTenants?: boolean;
}

/**
 * Replays labelled alerts in the given (time) order: each is triaged with the facts enrichment would have from the
 * alerts and dispositions before it, then its label is fed back as an analyst's disposition. The baseline predicts
 * each alert's detector's majority label among that same feedback (likelihoods: the detector's label frequencies;
 * global majority and frequencies for a detector not seen yet; nothing before the first label). Pure.
 */
export function evaluate(items: readonly LabelledAlert[], triage: TriageFn, options: EvaluateOptions = {}): EvalReport {
  const memory = new FeedbackMemory({ poolRulesAcrossTenants: options.poolRulesAcrossTenants ?? false });
  const byRule = new Map<string, Likelihoods>();
  const overall: Likelihoods = { 'true-positive': 0, 'benign-positive': 0, 'false-positive': 0 };
  const engine: Prediction[] = [];
  const baseline: Prediction[] = [];
  let engineVersion = '';
  for (const [index, item] of items.entries()) {
    const enrichment: Enrichment = { facts: memory.factsFor(item.alert, item.at), missing: [] };
    const t = triage(item.alert, enrichment);
    options.onTriaged?.(index, { alert: item.alert, enrichment, triage: t });
    engineVersion = t.engine.version;
    engine.push({
      cls: t.verdict.class,
      likelihoods: {
        'true-positive': t.verdict.likelihoods.truePositive,
        'benign-positive': t.verdict.likelihoods.benignPositive,
        'false-positive': t.verdict.likelihoods.falsePositive,
      },
    });
    const ruleKey = ruleKeyOf(item.alert);
    const seen = byRule.get(ruleKey);
    baseline.push(majority(seen && total(seen) > 0 ? seen : overall));

    memory.record(item.alert, item.label, item.at);
    const counts = seen ?? { 'true-positive': 0, 'benign-positive': 0, 'false-positive': 0 };
    counts[item.label] += 1;
    byRule.set(ruleKey, counts);
    overall[item.label] += 1;
  }
  const labels = items.map((i) => i.label);
  const labelCounts: Record<Disposition, number> = { 'true-positive': 0, 'benign-positive': 0, 'false-positive': 0 };
  for (const l of labels) labelCounts[l] += 1;
  return { items: items.length, labels: labelCounts, engineVersion, engine: score(engine, labels), baseline: score(baseline, labels) };
}

const total = (c: Likelihoods): number => c['true-positive'] + c['benign-positive'] + c['false-positive'];

/** The most frequent label (ties: the earlier class in {@link CLASSES}), with the frequencies as likelihoods. */
function majority(counts: Likelihoods): Prediction {
  const n = total(counts);
  if (n === 0) return { cls: 'needs-more-information', likelihoods: { 'true-positive': 1 / 3, 'benign-positive': 1 / 3, 'false-positive': 1 / 3 } };
  let best: Disposition = 'true-positive';
  for (const c of CLASSES) if (counts[c] > counts[best]) best = c;
  return {
    cls: best,
    likelihoods: { 'true-positive': counts['true-positive'] / n, 'benign-positive': counts['benign-positive'] / n, 'false-positive': counts['false-positive'] / n },
  };
}

const BUCKETS = 10;

/** Macro-F1, per-class precision/recall, coverage, Brier score and a 10-bucket reliability table. */
export function score(predictions: readonly Prediction[], labels: readonly Disposition[]): PredictorReport {
  const n = labels.length;
  const buckets = Array.from({ length: BUCKETS }, (_, i) => ({ from: i / BUCKETS, to: (i + 1) / BUCKETS, count: 0, sum: 0, hits: 0 }));
  let brier = 0;
  for (const [i, label] of labels.entries()) {
    const p = predictions[i];
    if (!p) continue;
    for (const c of CLASSES) {
      const likelihood = p.likelihoods[c];
      const outcome = label === c ? 1 : 0;
      brier += (likelihood - outcome) ** 2;
      const b = buckets[Math.min(BUCKETS - 1, Math.floor(likelihood * BUCKETS))];
      if (b) {
        b.count += 1;
        b.sum += likelihood;
        b.hits += outcome;
      }
    }
  }
  return {
    ...classify(
      predictions.map((p) => p.cls),
      labels,
    ),
    brier: n === 0 ? 0 : brier / n,
    calibration: buckets.map((b) => ({ from: b.from, to: b.to, count: b.count, meanLikelihood: b.count === 0 ? 0 : b.sum / b.count, observed: b.count === 0 ? 0 : b.hits / b.count })),
  };
}

/**
 * Macro-F1, accuracy, per-class precision/recall, coverage and the escalation view of predicted classes against the
 * labels (index-aligned); a missing class (`undefined`: no verdict) counts as `needs-more-information`.
 */
export function classify(classes: readonly (VerdictClass | undefined)[], labels: readonly Disposition[]): ClassificationReport {
  const n = labels.length;
  const perClass = {} as Record<Disposition, ClassScore>;
  for (const c of CLASSES) {
    let tp = 0;
    let predicted = 0;
    let support = 0;
    for (const [i, label] of labels.entries()) {
      const p = classes[i] ?? 'needs-more-information';
      if (p === c) predicted += 1;
      if (label === c) support += 1;
      if (p === c && label === c) tp += 1;
    }
    const precision = predicted === 0 ? 0 : tp / predicted;
    const recall = support === 0 ? 0 : tp / support;
    perClass[c] = { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), support, predicted };
  }
  let correct = 0;
  let covered = 0;
  let escalated = 0;
  let caught = 0;
  let negatives = 0;
  let falseAlarms = 0;
  for (const [i, label] of labels.entries()) {
    const cls = classes[i] ?? 'needs-more-information';
    if (cls === label) correct += 1;
    if (cls !== 'needs-more-information') covered += 1;
    const isEscalated = cls === 'true-positive' || cls === 'needs-more-information';
    if (isEscalated) escalated += 1;
    if (label === 'true-positive') {
      if (isEscalated) caught += 1;
    } else {
      negatives += 1;
      if (isEscalated) falseAlarms += 1;
    }
  }
  const positives = n - negatives;
  const precision = escalated === 0 ? 0 : caught / escalated;
  const recall = positives === 0 ? 0 : caught / positives;
  return {
    macroF1: CLASSES.reduce((s, c) => s + perClass[c].f1, 0) / CLASSES.length,
    accuracy: n === 0 ? 0 : correct / n,
    coverage: n === 0 ? 0 : covered / n,
    perClass,
    escalation: { precision, recall, f1: precision + recall === 0 ? 0 : (2 * precision * recall) / (precision + recall), fpr: negatives === 0 ? 0 : falseAlarms / negatives, escalated },
  };
}
