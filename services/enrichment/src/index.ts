export { enrich, historyFacts, makeEnrichmentHandler, ruleKeyOf } from './handler.ts';
export type { EnrichmentDeps } from './handler.ts';
export { StateAlertHistory } from './adapters/state-alert-history.ts';
export type { AlertHistory, EntitySighting, HistorySnapshot, RuleSighting } from './ports.ts';
export { enrichmentService } from './service.ts';
export { EnrichmentConfig } from './config.ts';
