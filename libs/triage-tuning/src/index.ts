export {
  ExceptionEntry,
  MAX_TUNING_ENTRIES,
  MIN_ENDSWITH_CHARS,
  RuleInfluenceEntry,
  SigmaRuleEntry,
  TUNABLE_BEHAVIOURS,
  TriageTuning,
  TuningEntry,
  TuningEntryInput,
  isEntryActive,
  tuningHashOf,
  tuningProblems,
} from './schema.ts';
export type { TriageTuningReader, TriageTuningStore, TuningChange, TuningVersionSummary } from './ports.ts';
export { CachedTuningReader, StateTriageTuningStore, TUNING_COLLECTION, tuningSubjectOf } from './state-triage-tuning-store.ts';
