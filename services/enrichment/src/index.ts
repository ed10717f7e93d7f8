export { dispositionRecordOf, enrich, historyFacts, makeEnrichmentHandler, ruleKeyFrom, ruleKeyOf } from './handler.ts';
export type { EnrichmentDeps } from './handler.ts';
export { StateAlertHistory } from './adapters/state-alert-history.ts';
export type { AlertHistory, DispositionCounts, DispositionRecord, EntitySighting, HistorySnapshot, RuleSighting } from './ports.ts';
export { enrichmentService } from './service.ts';
export { EnrichmentConfig } from './config.ts';
export {
  CachingLookup,
  FileAllowlist,
  FileAssetDirectory,
  FileUserDirectory,
  GraphUserDirectory,
  ServiceNowAssetDirectory,
  allowlistFact,
  assetFact,
  lookUpContext,
  userFact,
  withLookupBreaker,
} from './context/index.ts';
export type { Allowlist, AssetDirectory, ContextSources, TokenProvider, UserDirectory } from './context/index.ts';
export { openContextSources } from './context-sources.ts';
