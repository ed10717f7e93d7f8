export { createSigmaEngine } from './engine.ts';
export type { Applicability, CompiledRule, RuleNotCompiled, SigmaEngine, SigmaHit } from './engine.ts';
export { viewOf } from './event.ts';
export type { EventView, FieldValue } from './event.ts';
export { BUNDLED_RULES_PATH, loadRulesFile } from './load.ts';
export { authorOf, parseRulesJsonl } from './rule.ts';
export type { SigmaLogsource, SigmaRule } from './rule.ts';
export { mapWindowsEvent, mapWindowsFields, windowsLogsources } from './windows.ts';
export type { MappedEvent, WindowsEventParts } from './windows.ts';
