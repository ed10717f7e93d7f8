export {
  CloudEventEnvelope,
  DEFAULT_PRIORITY,
  EnvelopeFields,
  MAX_DELIVERY_DELAY_MS,
  Priority,
  defineEvent,
  deliverAtOf,
  eventPriority,
  laneOf,
} from './envelope.ts';
export type { CloudEvent, DataOf, EventDefinition, EventOf } from './envelope.ts';
export * from './alert.ts';
export * from './triage.ts';
export * from './actions.ts';
export { AlertReceivedV1 } from './events/alert-received.v1.ts';
export { AlertEnrichedV1 } from './events/alert-enriched.v1.ts';
export { AlertTriagedV1 } from './events/alert-triaged.v1.ts';
export { DecisionMadeV1 } from './events/decision-made.v1.ts';
export { NotificationSentV1 } from './events/notification-sent.v1.ts';
export { NotificationDueV1 } from './events/notification-due.v1.ts';
export { TicketCreatedV1 } from './events/ticket-created.v1.ts';
export { TicketUpdatedV1 } from './events/ticket-updated.v1.ts';
export { BindingHash, ContainmentRequestedV1, ContainmentTarget } from './events/containment-requested.v1.ts';
export { ContainmentFreezeChangedV1 } from './events/containment-freeze-changed.v1.ts';
export { ContainmentApprovedV1, ApprovalRecord } from './events/containment-approved.v1.ts';
export { ContainmentDeniedV1 } from './events/containment-denied.v1.ts';
export { ContainmentExecutedV1 } from './events/containment-executed.v1.ts';
export { ContainmentFailedV1 } from './events/containment-failed.v1.ts';
export { DecisionMadeV2 } from './events/decision-made.v2.ts';
export { ContainmentRequestedV2 } from './events/containment-requested.v2.ts';
export { ContainmentApprovedV2 } from './events/containment-approved.v2.ts';
export { ContainmentExecutedV2 } from './events/containment-executed.v2.ts';
export { ContainmentFailedV2 } from './events/containment-failed.v2.ts';
export { ContainmentFreezeChangedV2 } from './events/containment-freeze-changed.v2.ts';
export { ContainmentVerifiedV1 } from './events/containment-verified.v1.ts';
export { ContainmentCheckDueV1 } from './events/containment-check-due.v1.ts';
export { ContainmentUndoRequestedV1 } from './events/containment-undo-requested.v1.ts';
export { ContainmentUndoDecidedV1 } from './events/containment-undo-decided.v1.ts';
export { ContainmentUndoneV1 } from './events/containment-undone.v1.ts';
export { ProcessingFailedV1 } from './events/processing-failed.v1.ts';
export { AlertDispositionedV1, Disposition } from './events/alert-dispositioned.v1.ts';
export { CaseAssignedV1 } from './events/case-assigned.v1.ts';
export { CaseNoteAddedV1, MAX_NOTE_LENGTH } from './events/case-note-added.v1.ts';
export { CaseStatus, CaseStatusChangedV1 } from './events/case-status-changed.v1.ts';
export { CaseFacts, CaseQuestionAskedV1, MAX_QUESTION_LENGTH } from './events/case-question-asked.v1.ts';
export { CaseAnswerHunt, CaseCitation, CaseQuestionAnsweredV1 } from './events/case-question-answered.v1.ts';
export { MAX_REPORT_HTML_CHARS, ReportGeneratedV1 } from './events/report-generated.v1.ts';
export { EVENT_DEFINITIONS, eventDefinition, currentTypeOf, isKnownEventType, isSuperseded, isValidatedEvent, olderVersionsOf, parseEvent, validateEvent } from './registry.ts';
export type { EventByType, EventIssue, EventRejection, ParseEventResult, SocEvent, SocEventType } from './registry.ts';
export { causedBy, createEvent } from './create-event.ts';
export type { CausedByOptions, NewEventOptions } from './create-event.ts';
export { MAX_EVENT_SHAPE_LENGTH, eventShapeOf } from './event-shape.ts';
export { DEFAULT_DISPOSITION_HALF_LIFE_DAYS, MAX_JUDGED_ALERTS, decayedDispositions } from './history-decay.ts';
export type { DispositionTally } from './history-decay.ts';
export type { CaseGroupInput } from './ids.ts';
export { MAX_ID_LENGTH, boundedId, caseGroupKey, caseGroupKeyOfDisposition, deriveAlertId, deriveEventId, deriveKey } from './ids.ts';
export { CLIP_MARKER, MAX_ALERT_BYTES, MAX_DECISION_ACTIONS_BYTES, MAX_ENRICHMENT_BYTES, MAX_EVENT_BYTES, MAX_TRIAGE_BYTES, clipText, jsonBytes } from './limits.ts';
export { alertRevisionKey, alertRevisionOf, compareRevisions, ownClosureComment, statusBeforeOwnClosure } from './revision.ts';
export type { RevisionContent } from './revision.ts';
export { ALL_SUBSCRIPTIONS, SUBSCRIPTIONS } from './topology.ts';
export type { SubscriptionSpec } from './topology.ts';
