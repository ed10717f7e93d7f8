export { CLASSES, evaluate, score } from './evaluate.ts';
export type { CalibrationBucket, ClassScore, EvalReport, EvaluateOptions, Prediction, PredictorReport, TriageFn } from './evaluate.ts';
export { evaluateSourcePayloads, readSourcePayloadJsonl } from './source-payloads.ts';
export type { ModeReport, ParsedPayload, PayloadParser, SourceEvalReport, SourcePayload, SourceScore } from './source-payloads.ts';
export { FeedbackMemory, ruleKeyOf } from './feedback-memory.ts';
export { GUIDE_ABSENT, LabelledFileError, labelOf, readGuideCsv, readLabelledJsonl } from './labelled.ts';
export type { LabelledAlert, LabelledSet } from './labelled.ts';
export { formatReport, formatSourceReport } from './format.ts';
export { parseCsv } from './csv.ts';
