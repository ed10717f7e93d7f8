export { apiService } from './service.ts';
export { ApiConfig } from './config.ts';
export { apiRoutes } from './routes.ts';
export { foldCase, alertIdOf, toCaseEvent } from './case-view.ts';
export type { CaseEventDoc, CaseView, TimelineEntry } from './case-view.ts';
export { makeCaseProjector } from './projector.ts';
export { StateCaseStore } from './adapters/state-case-store.ts';
export type { CaseStore, CaseSummary } from './ports.ts';
