import { CLASSES, type EvalReport, type PredictorReport } from './evaluate.ts';

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
