export { CLASSES, evaluate, score } from './evaluate.ts';
export type { CalibrationBucket, ClassScore, EvalReport, PredictorReport, TriageFn } from './evaluate.ts';
export { FeedbackMemory, ruleKeyOf } from './feedback-memory.ts';
export { GUIDE_ABSENT, LabelledFileError, labelOf, readGuideCsv, readLabelledJsonl } from './labelled.ts';
export type { LabelledAlert, LabelledSet } from './labelled.ts';
export { formatReport } from './format.ts';
export { parseCsv } from './csv.ts';
