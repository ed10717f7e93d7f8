export { makeContainmentHandler, outcomeUnknown, requestIdFor } from './handler.ts';
export type { ContainmentDeps } from './handler.ts';
export { DryRunRunbooks } from './adapters/dry-run-runbooks.ts';
export type { ApprovalsRequired, BlastRadiusLimits, ContainmentRequest, PreExecutionCheck, RequestStatus, RunbookExecutor } from './ports.ts';
export { containmentService } from './service.ts';
export { ContainmentConfig } from './config.ts';
