export { decide, evolve, fold, httpStatusOf, isSenderOf, isSpent, samePrincipal, statusAt, undoBindingHashOf } from './decider.ts';
export type {
  UndoRequest,
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
export { bindingHashOf, requestIdFor } from './binding.ts';
export { RUNBOOKS, isReversible, isUndoable, runbookView } from './runbooks.ts';
export type { RunbookInfo } from './runbooks.ts';
export { StateFreezeSwitch, StateRequestLog, freezeOf, targetKeyOf } from './state-request-log.ts';
export type { AuditEntry, AuditTrail, FreezeEntry, FreezeState, FreezeSwitch, LoadedRequest, RequestLog, RequestReader } from './ports.ts';
