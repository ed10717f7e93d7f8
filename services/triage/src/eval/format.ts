import { CLASSES, type EvalReport, type PredictorReport } from './evaluate.ts';
import type { SourceEvalReport, SourceScore } from './source-payloads.ts';

const f3 = (n: number): string => n.toFixed(3);
const pct = (n: number): string => `${(n * 100).toFixed(1)}%`;

/** The report as a plain-text table for a terminal. */
export function formatReport(report: EvalReport, title = 'labelled alerts'): string {
  const lines = [
    `Evaluated ${report.items} ${title} in time order (engine ${report.engineVersion || 'n/a'}); labels: ${CLASSES.map((c) => `${c} ${report.labels[c]}`).join(', ')}`,
    '',
    `                      engine    baseline (per-detector majority)`,
    `macro-F1              ${f3(report.engine.macroF1).padEnd(9)} ${f3(report.baseline.macroF1)}`,
    `accuracy              ${f3(report.engine.accuracy).padEnd(9)} ${f3(report.baseline.accuracy)}`,
    `coverage              ${pct(report.engine.coverage).padEnd(9)} ${pct(report.baseline.coverage)}`,
    `Brier score           ${f3(report.engine.brier).padEnd(9)} ${f3(report.baseline.brier)}`,
    '',
    'per class             precision  recall  f1     (engine | baseline)  support',
    ...CLASSES.map((c) => {
      const e = report.engine.perClass[c];
      const b = report.baseline.perClass[c];
      return `${c.padEnd(21)} ${f3(e.precision)}      ${f3(e.recall)}   ${f3(e.f1)}  | ${f3(b.precision)} ${f3(b.recall)} ${f3(b.f1)}   ${e.support}`;
    }),
    '',
    ...calibration('engine', report.engine),
    '',
    ...calibration('baseline', report.baseline),
    '',
    report.engine.macroF1 > report.baseline.macroF1
      ? `The engine beats the baseline by ${f3(report.engine.macroF1 - report.baseline.macroF1)} macro-F1.`
      : `The engine does NOT beat the baseline (${f3(report.engine.macroF1 - report.baseline.macroF1)} macro-F1).`,
  ];
  return lines.join('\n');
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
  const header = `${'source'.padEnd(10)} ${'mode'.padEnd(9)} ${'payloads'.padStart(8)} ${'parsed'.padStart(6)} ${'alerts'.padStart(6)} ${'verdicts'.padStart(8)} ${'needs-info'.padStart(10)}  macro-F1  recall  FPR`;
  const row = (source: string, mode: string, s: SourceScore): string =>
    `${source.padEnd(10)} ${mode.padEnd(9)} ${String(s.payloads).padStart(8)} ${String(s.parsed).padStart(6)} ${String(s.alerts).padStart(6)} ${String(s.verdicts).padStart(8)} ${String(s.needsMoreInformation).padStart(10)}  ${f3(s.macroF1).padEnd(8)}  ${f3(s.recall)}   ${f3(s.fpr)}`;
  const pair = (source: string, zeroShot: SourceScore, online: SourceScore): string[] => [row(source, 'zero-shot', zeroShot), row('', 'online', online)];
  const o = report.online.overall;
  return [
    `Evaluated ${report.payloads} labelled source payloads in time order through the real parsers (engine ${report.engineVersion || 'n/a'}); labels: ${CLASSES.map((c) => `${c} ${o.labels[c]}`).join(', ')}`,
    '',
    header,
    ...pair('all', report.zeroShot.overall, o),
    ...Object.keys(report.online.bySource).flatMap((source) => {
      const z = report.zeroShot.bySource[source];
      const n = report.online.bySource[source];
      return z && n ? pair(source, z, n) : [];
    }),
    '',
    'zero-shot: no disposition fed back; online: each label fed back as a disposition after its verdicts.',
    'A refused payload and needs-more-information count as wrong answers; FPR = benign and false positives called true-positive.',
    ...(report.refused.length === 0 ? [] : ['', 'refused payloads (first 20):', ...report.refused.map((r) => `  line ${r.line} (${r.source}): ${r.reason}`)]),
  ].join('\n');
}
