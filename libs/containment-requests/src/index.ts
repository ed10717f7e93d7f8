export { decide, evolve, fold, httpStatusOf, isSpent, statusAt } from './decider.ts';
export type {
  Approval,
  ContainmentRequest,
  Decision,
  Rejection,
  RejectionCode,
  RequestCommand,
  RequestEvent,
  RequestFacts,
  RequestStatus,
  RequestTarget,
} from './decider.ts';
export { bindingHashOf } from './binding.ts';
export { StateFreezeSwitch, StateRequestLog, freezeOf, targetKeyOf } from './state-request-log.ts';
export { StateAuditTrail } from './state-audit-trail.ts';
export type { AuditEntry, AuditTrail, FreezeEntry, FreezeState, FreezeSwitch, LoadedRequest, RequestLog, RequestReader } from './ports.ts';
