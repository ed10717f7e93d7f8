import type { Alert, Disposition } from '@soc/contracts';
import { z } from 'zod';
import type { CopilotFacts } from '../llm/index.ts';
import type { SourceCopilotReport } from './copilot-eval.ts';
import { type EscalationScore, type Prediction, type TriageFn, score } from './evaluate.ts';
import { FeedbackMemory } from './feedback-memory.ts';
import { jsonLines, labelOf } from './labelled.ts';

/** One labelled request body as a source sends it (`{"source","payload","label","at"}` per JSON line). */
export interface SourcePayload {
  /** 1-based line of the file, for messages. */
  line: number;
  /** The ingestion source it is posted to (`wazuh`, `sentinel`, `defender`, `splunk`, `cef`, `generic` …). */
  source: string;
  payload: unknown;
  label: Disposition;
  /** ISO time the payload arrives (payloads are evaluated in this order). */
  at: string;
}

/** What the real parsers made of one payload: its alerts, or why the source refused it. */
export type ParsedPayload = { ok: true; alerts: Alert[] } | { ok: false; reason: string };

/** Parses one payload as its source's parser would at `at` (the CLI passes ingestion's `normalize`). */
export type PayloadParser = (source: string, payload: unknown, at: string) => ParsedPayload;

/** Coverage and quality of one mode on one source (or all of them). */
export interface SourceScore {
  /** Labelled payloads read. */
  payloads: number;
  /** Payloads the source's parser accepted. */
  parsed: number;
  /** Alerts those payloads gave (each carries its payload's label). */
  alerts: number;
  /** Alerts given a class (true, benign or false positive). */
  verdicts: number;
  /** Alerts triaged `needs-more-information`. */
  needsMoreInformation: number;
  /** Macro-F1 over the three classes; a refused payload and `needs-more-information` count as wrong answers. */
  macroF1: number;
  /** True-positive recall: labelled attacks called true-positive (a refused attack payload is a miss). */
  recall: number;
  /** Benign and false positives called true-positive, over all benign and false positives. */
  fpr: number;
  /** True-positive vs not with `needs-more-information` (and a refused payload) escalated, as a SOC counts it. */
  escalation: EscalationScore;
  /** Label counts of the payloads. */
  labels: Record<Disposition, number>;
}

/** One mode over all sources and per source (sources in the order first seen). */
export interface ModeReport {
  overall: SourceScore;
  bySource: Record<string, SourceScore>;
}

/** Zero-shot and online evaluation of labelled source payloads, side by side. */
export interface SourceEvalReport {
  payloads: number;
  engineVersion: string;
  /** Sightings only: no disposition is ever fed back (what the engine does before anyone dispositions). */
  zeroShot: ModeReport;
  /** Each payload's label fed back as an analyst's disposition of its alerts after their verdicts. */
  online: ModeReport;
  /** The first 20 payloads a parser refused, and why. */
  refused: { line: number; source: string; reason: string }[];
  /** The copilot's own verdicts in both modes, when `soc eval --copilot` asked it (see `copilot-eval.ts`). */
  copilot?: SourceCopilotReport;
}

const Line = z.object({ source: z.string().min(1), payload: z.unknown(), label: z.string(), at: z.iso.datetime({ offset: true }) });

/**
 * Reads `{"source","payload","label","at"}` JSON lines, in time order (ties keep file order). A line whose label is
 * not a disposition is skipped and counted; a line that is not such an object fails the file with its number.
 */
export function readSourcePayloadJsonl(text: string): { payloads: SourcePayload[]; skipped: number } {
  const payloads: SourcePayload[] = [];
  let skipped = 0;
  for (const { line, data } of jsonLines(text, Line)) {
    const label = labelOf(data.label);
    if (label === undefined) {
      skipped += 1;
      continue;
    }
    payloads.push({ line, source: data.source, payload: data.payload, label, at: data.at });
  }
  return { payloads: payloads.sort((a, b) => Date.parse(a.at) - Date.parse(b.at)), skipped };
}

/** The two replays of {@link evaluateSourcePayloads}. */
export type SourceMode = 'zeroShot' | 'online';

/** What {@link evaluateSourcePayloads} can report as it replays. */
export interface EvaluateSourceOptions {
  /**
   * Called once per payload and mode, in order: its alerts as the triage service hands them to the copilot step
   * (alert, enrichment facts of that mode, the engine's triage), or undefined when the parser refused the payload.
   */
  onPayload?: (mode: SourceMode, index: number, cases: CopilotFacts[] | undefined) => void;
}

/** One payload's predictions, as {@link scoreSourceOutcomes} scores them. */
export interface SourceOutcome {
  source: string;
  label: Disposition;
  parsed: boolean;
  /** One prediction per alert; a refused payload has one `needs-more-information` stand-in. */
  predictions: Prediction[];
}


/**
 * Evaluates labelled source payloads through the real parsers (`parse`) and the triage engine, in time order, twice:
 * zero-shot (each alert triaged with the sightings of the alerts before it, no dispositions) and online (each
 * payload's label fed back as an analyst's disposition of its alerts after their verdicts, as {@link evaluate}
 * does). Pure, given pure `parse` and `triage`.
 */
export function evaluateSourcePayloads(payloads: readonly SourcePayload[], parse: PayloadParser, triage: TriageFn, options: EvaluateSourceOptions = {}): SourceEvalReport {
  const parsed = payloads.map((p) => ({ payload: p, result: parse(p.source, p.payload, p.at) }));
  let engineVersion = '';
  const run = (feedback: boolean): ModeReport => {
    const memory = new FeedbackMemory();
    const outcomes: SourceOutcome[] = parsed.map(({ payload, result }, index) => {
      if (!result.ok) {
        options.onPayload?.(feedback ? 'online' : 'zeroShot', index, undefined);
        return { source: payload.source, label: payload.label, parsed: false, predictions: [NO_VERDICT] };
      }
      const cases: CopilotFacts[] = [];
      const predictions = result.alerts.map((alert) => {
        const enrichment = { facts: memory.factsFor(alert, payload.at), missing: [] };
        const t = triage(alert, enrichment);
        cases.push({ alert, enrichment, triage: t });
        engineVersion = t.engine.version;
        const l = t.verdict.likelihoods;
        return { cls: t.verdict.class, likelihoods: { 'true-positive': l.truePositive, 'benign-positive': l.benignPositive, 'false-positive': l.falsePositive } };
      });
      options.onPayload?.(feedback ? 'online' : 'zeroShot', index, cases);
      // After every verdict of the payload, as an analyst answers an alert that was already triaged.
      for (const alert of result.alerts) memory.record(alert, feedback ? payload.label : undefined, payload.at);
      return { source: payload.source, label: payload.label, parsed: true, predictions };
    });
    return scoreSourceOutcomes(outcomes);
  };
  const refused = parsed.flatMap(({ payload, result }) => (result.ok ? [] : [{ line: payload.line, source: payload.source, reason: result.reason }]));
  const zeroShot = run(false);
  const online = run(true);
  return { payloads: payloads.length, engineVersion, zeroShot, online, refused: refused.slice(0, 20) };
}

/** One mode over all sources and per source (sources in the order first seen). */
export function scoreSourceOutcomes(outcomes: readonly SourceOutcome[]): ModeReport {
  const bySource: Record<string, SourceScore> = {};
  for (const source of new Set(outcomes.map((o) => o.source))) bySource[source] = scoreOutcomes(outcomes.filter((o) => o.source === source));
  return { overall: scoreOutcomes(outcomes), bySource };
}

/** The stand-in prediction of a refused payload or an alert given no verdict. */
export const NO_VERDICT: Prediction = { cls: 'needs-more-information', likelihoods: { 'true-positive': 1 / 3, 'benign-positive': 1 / 3, 'false-positive': 1 / 3 } };

function scoreOutcomes(outcomes: readonly SourceOutcome[]): SourceScore {
  const predictions: Prediction[] = [];
  const labels: Disposition[] = [];
  let alerts = 0;
  for (const o of outcomes) {
    if (o.parsed) alerts += o.predictions.length;
    for (const p of o.predictions) {
      predictions.push(p);
      labels.push(o.label);
    }
  }
  const scored = score(predictions, labels);
  const parsedPredictions = outcomes.flatMap((o) => (o.parsed ? o.predictions : []));
  const needsMoreInformation = parsedPredictions.filter((p) => p.cls === 'needs-more-information').length;
  let negatives = 0;
  let falseAlarms = 0;
  for (const [i, label] of labels.entries()) {
    if (label === 'true-positive') continue;
    negatives += 1;
    if (predictions[i]?.cls === 'true-positive') falseAlarms += 1;
  }
  const labelCounts: Record<Disposition, number> = { 'true-positive': 0, 'benign-positive': 0, 'false-positive': 0 };
  for (const o of outcomes) labelCounts[o.label] += 1;
  return {
    payloads: outcomes.length,
    parsed: outcomes.filter((o) => o.parsed).length,
    alerts,
    verdicts: alerts - needsMoreInformation,
    needsMoreInformation,
    macroF1: scored.macroF1,
    recall: scored.perClass['true-positive'].recall,
    fpr: negatives === 0 ? 0 : falseAlarms / negatives,
    escalation: scored.escalation,
    labels: labelCounts,
  };
}
