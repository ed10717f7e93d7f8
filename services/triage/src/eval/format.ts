import type { CopilotReport, CopilotUsageTotals } from './copilot-eval.ts';
import { CLASSES, type ClassificationReport, type EvalReport, type PredictorReport } from './evaluate.ts';
import type { ModeReport, SourceEvalReport, SourceScore } from './source-payloads.ts';

const f3 = (n: number): string => n.toFixed(3);
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;

/** The report as a plain-text table for a terminal (with the copilot's column when it was asked). */
export function formatReport(report: EvalReport, title = 'labelled alerts'): string {
  const { engine, baseline, copilot } = report;
  const row = (name: string, value: (r: ClassificationReport) => string): string =>
    `${name.padEnd(21)} ${value(engine).padEnd(9)} ${copilot === undefined ? value(baseline) : `${value(baseline).padEnd(9)} ${value(copilot)}`}`;
  const lines = [
    `Evaluated ${report.items} ${title} in time order (engine ${report.engineVersion || 'n/a'}); labels: ${CLASSES.map((c) => `${c} ${report.labels[c]}`).join(', ')}`,
    '',
    copilot === undefined ? `                      engine    baseline (per-detector majority)` : `                      engine    baseline  copilot (${copilot.model}; baseline: per-detector majority)`,
    row('macro-F1', (r) => f3(r.macroF1)),
    row('accuracy', (r) => f3(r.accuracy)),
    row('coverage', (r) => pct(r.coverage)),
    row('escalation F1', (r) => f3(r.escalation.f1)),
    row('escalation recall', (r) => f3(r.escalation.recall)),
    row('escalation FPR', (r) => f3(r.escalation.fpr)),
    `${'Brier score'.padEnd(21)} ${f3(engine.brier).padEnd(9)} ${f3(baseline.brier)}`,
    '',
    `per class             precision  recall  f1     (engine | baseline${copilot === undefined ? '' : ' | copilot'})  support`,
    ...CLASSES.map((c) => {
      const e = engine.perClass[c];
      const b = baseline.perClass[c];
      const n = copilot?.perClass[c];
      return `${c.padEnd(21)} ${f3(e.precision)}      ${f3(e.recall)}   ${f3(e.f1)}  | ${f3(b.precision)} ${f3(b.recall)} ${f3(b.f1)}${n === undefined ? '' : ` | ${f3(n.precision)} ${f3(n.recall)} ${f3(n.f1)}`}   ${e.support}`;
    }),
    '',
    ESCALATION,
    '',
    ...calibration('engine', engine),
    '',
    ...calibration('baseline', baseline),
    '',
    engine.macroF1 > baseline.macroF1
      ? `The engine beats the baseline by ${f3(engine.macroF1 - baseline.macroF1)} macro-F1.`
      : `The engine does NOT beat the baseline (${f3(engine.macroF1 - baseline.macroF1)} macro-F1).`,
    ...(copilot === undefined ? [] : copilotLines(copilot, engine)),
  ];
  return lines.join('\n');
}

const ESCALATION = 'escalation: true-positive vs not, as a SOC counts it: a true-positive or needs-more-information verdict (or none) is escalated.';

/** What the copilot used, why it gave no verdict, and how it compares with the engine. */
function copilotLines(c: CopilotReport, engine: ClassificationReport): string[] {
  const gain = c.macroF1 - engine.macroF1;
  return [
    '',
    `copilot ${c.model}: ${usageLine(c)}; wall ${(c.wallMs / 1000).toFixed(1)} s`,
    gain > 0 ? `The copilot beats the engine by ${f3(gain)} macro-F1.` : `The copilot does NOT beat the engine (${f3(gain)} macro-F1).`,
  ];
}

/** One line of a copilot run's use: answers, failures, calls, tokens, cost, time per alert. */
function usageLine(u: CopilotUsageTotals): string {
  const failures = Object.entries(u.noVerdict).map(([why, n]) => `${why} ${n}`);
  return [
    `${u.answered} of ${u.alerts} alerts given a verdict${failures.length === 0 ? '' : ` (no verdict: ${failures.join(', ')})`}`,
    `${u.calls} calls`,
    `${u.promptTokens} prompt + ${u.completionTokens} completion tokens`,
    u.cost === undefined ? 'cost n/a (no LLM_PRICE_PROMPT_PER_1K / LLM_PRICE_COMPLETION_PER_1K)' : `cost ${u.cost.toFixed(4)}`,
    `per alert ${Math.round(u.msPerAlert.mean)} ms mean, ${Math.round(u.msPerAlert.p50)} ms median, ${Math.round(u.msPerAlert.p95)} ms p95`,
  ].join('; ');
}

function calibration(name: string, r: PredictorReport): string[] {
  return [
    `calibration (${name}): likelihood bucket → items, mean likelihood, observed frequency`,
    ...r.calibration
      .filter((b) => b.count > 0)
      .map((b) => `  [${b.from.toFixed(1)}, ${b.to.toFixed(1)})  ${String(b.count).padStart(6)}  ${f3(b.meanLikelihood)}  ${f3(b.observed)}`),
  ];
}

/** The zero-shot and online evaluation of source payloads, side by side, over all sources and per source. */
export function formatSourceReport(report: SourceEvalReport): string {
  const header = `${'source'.padEnd(10)} ${'mode'.padEnd(9)} ${'payloads'.padStart(8)} ${'parsed'.padStart(6)} ${'alerts'.padStart(6)} ${'verdicts'.padStart(8)} ${'needs-info'.padStart(10)}  macro-F1  recall  FPR    esc-F1  esc-FPR`;
  const row = (source: string, mode: string, s: SourceScore): string =>
    `${source.padEnd(10)} ${mode.padEnd(9)} ${String(s.payloads).padStart(8)} ${String(s.parsed).padStart(6)} ${String(s.alerts).padStart(6)} ${String(s.verdicts).padStart(8)} ${String(s.needsMoreInformation).padStart(10)}  ${f3(s.macroF1).padEnd(8)}  ${f3(s.recall)}   ${f3(s.fpr)}  ${f3(s.escalation.f1)}   ${f3(s.escalation.fpr)}`;
  const pair = (source: string, zeroShot: SourceScore, online: SourceScore): string[] => [row(source, 'zero-shot', zeroShot), row('', 'online', online)];
  const o = report.online.overall;
  const table = (zeroShot: ModeReport, online: ModeReport): string[] => [
    header,
    ...pair('all', zeroShot.overall, online.overall),
    ...Object.keys(online.bySource).flatMap((source) => {
      const z = zeroShot.bySource[source];
      const n = online.bySource[source];
      return z && n ? pair(source, z, n) : [];
    }),
  ];
  const copilot = report.copilot;
  return [
    `Evaluated ${report.payloads} labelled source payloads in time order through the real parsers (engine ${report.engineVersion || 'n/a'}); labels: ${CLASSES.map((c) => `${c} ${o.labels[c]}`).join(', ')}`,
    '',
    ...table(report.zeroShot, report.online),
    ...(copilot === undefined
      ? []
      : [
          '',
          `copilot ${copilot.model} (its own verdicts on the same alerts, with the same facts; wall ${(copilot.wallMs / 1000).toFixed(1)} s):`,
          ...table(copilot.zeroShot, copilot.online),
          `  zero-shot: ${usageLine(copilot.zeroShot.usage)}`,
          `  online:    ${usageLine(copilot.online.usage)}`,
        ]),
    '',
    'zero-shot: no disposition fed back; online: each label fed back as a disposition after its verdicts.',
    'A refused payload and needs-more-information count as wrong answers; FPR = benign and false positives called true-positive.',
    ESCALATION.replace('escalation:', 'esc-F1, esc-FPR:'),
    ...(report.refused.length === 0 ? [] : ['', 'refused payloads (first 20):', ...report.refused.map((r) => `  line ${r.line} (${r.source}): ${r.reason}`)]),
  ].join('\n');
}
