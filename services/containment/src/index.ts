export { makeContainmentHandler, requestIdFor } from './handler.ts';
export type { ContainmentDeps } from './handler.ts';
export { DryRunRunbooks } from './adapters/dry-run-runbooks.ts';
export { StateRequestStore } from './adapters/state-request-store.ts';
export type { ContainmentRequest, RequestStatus, RequestStore, RunbookExecutor } from './ports.ts';
export { containmentService } from './service.ts';
export { ContainmentConfig } from './config.ts';
