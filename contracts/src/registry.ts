import type { z } from 'zod';
import { CloudEventEnvelope, type EventDefinition, type EventOf } from './envelope.ts';
import { AlertDispositionedV1 } from './events/alert-dispositioned.v1.ts';
import { CaseAssignedV1 } from './events/case-assigned.v1.ts';
import { CaseNoteAddedV1 } from './events/case-note-added.v1.ts';
import { CaseStatusChangedV1 } from './events/case-status-changed.v1.ts';
import { AlertEnrichedV1 } from './events/alert-enriched.v1.ts';
import { AlertReceivedV1 } from './events/alert-received.v1.ts';
import { AlertTriagedV1 } from './events/alert-triaged.v1.ts';
import { CaseQuestionAnsweredV1 } from './events/case-question-answered.v1.ts';
import { CaseQuestionAskedV1 } from './events/case-question-asked.v1.ts';
import { ContainmentApprovedV1 } from './events/containment-approved.v1.ts';
import { ContainmentDeniedV1 } from './events/containment-denied.v1.ts';
import { ContainmentExecutedV1 } from './events/containment-executed.v1.ts';
import { ContainmentFailedV1 } from './events/containment-failed.v1.ts';
import { ContainmentFreezeChangedV1 } from './events/containment-freeze-changed.v1.ts';
import { ContainmentRequestedV1 } from './events/containment-requested.v1.ts';
import { DecisionMadeV1 } from './events/decision-made.v1.ts';
import { ContainmentApprovedV2 } from './events/containment-approved.v2.ts';
import { ContainmentCheckDueV1 } from './events/containment-check-due.v1.ts';
import { ContainmentExecutedV2 } from './events/containment-executed.v2.ts';
import { ContainmentFailedV2 } from './events/containment-failed.v2.ts';
import { ContainmentFreezeChangedV2 } from './events/containment-freeze-changed.v2.ts';
import { ContainmentRequestedV2 } from './events/containment-requested.v2.ts';
import { ContainmentUndoDecidedV1 } from './events/containment-undo-decided.v1.ts';
import { ContainmentUndoRequestedV1 } from './events/containment-undo-requested.v1.ts';
import { ContainmentUndoneV1 } from './events/containment-undone.v1.ts';
import { ContainmentVerifiedV1 } from './events/containment-verified.v1.ts';
import { DecisionMadeV2 } from './events/decision-made.v2.ts';
import { NotificationDueV1 } from './events/notification-due.v1.ts';
import { NotificationSentV1 } from './events/notification-sent.v1.ts';
import { ProcessingFailedV1 } from './events/processing-failed.v1.ts';
import { ReportGeneratedV1 } from './events/report-generated.v1.ts';
import { TicketCreatedV1 } from './events/ticket-created.v1.ts';
import { TicketUpdatedV1 } from './events/ticket-updated.v1.ts';

/** Every event version SOC Copilot knows, in flow order. A released version is never edited. */
export const EVENT_DEFINITIONS = [
  AlertReceivedV1,
  AlertEnrichedV1,
  AlertTriagedV1,
  DecisionMadeV1,
  NotificationSentV1,
  TicketCreatedV1,
  TicketUpdatedV1,
  ContainmentRequestedV1,
  ContainmentApprovedV1,
  ContainmentDeniedV1,
  ContainmentExecutedV1,
  ContainmentFailedV1,
  ProcessingFailedV1,
  AlertDispositionedV1,
  ReportGeneratedV1,
  ContainmentFreezeChangedV1,
  NotificationDueV1,
  // Issue 14: every runbook, with arguments, verify and undo. The v1 types above are still parsed (and upcast).
  DecisionMadeV2,
  ContainmentRequestedV2,
  ContainmentApprovedV2,
  ContainmentExecutedV2,
  ContainmentFailedV2,
  ContainmentFreezeChangedV2,
  ContainmentVerifiedV1,
  ContainmentCheckDueV1,
  ContainmentUndoRequestedV1,
  ContainmentUndoDecidedV1,
  ContainmentUndoneV1,
  // Issue 15: casework on a case (assignment, status, notes), from the analyst API.
  CaseAssignedV1,
  CaseStatusChangedV1,
  CaseNoteAddedV1,
  // Issue 15: questions about a case and the copilot's answers.
  CaseQuestionAskedV1,
  CaseQuestionAnsweredV1,
] as const;

/** Any SOC Copilot event, discriminated by `type`. */
export type SocEvent = EventOf<(typeof EVENT_DEFINITIONS)[number]>;
/** The type names of every known event version. */
export type SocEventType = SocEvent['type'];
/** The event with a given type name. */
export type EventByType<T extends SocEventType> = Extract<SocEvent, { type: T }>;

const byType = new Map<string, EventDefinition>(EVENT_DEFINITIONS.map((d) => [d.type, d as EventDefinition]));

/** True when `type` names a known event version. */
export function isKnownEventType(type: string): type is SocEventType {
  return byType.has(type);
}

/**
 * Upcasters turn an old version into the current one, so consumers only ever see the current version. Each v2 of
 * issue 14 is a superset of its v1 (the runbooks of v1 are a subset of v2's), so an upcast renames the type and fills
 * the new fields' defaults; the event id stays, so a v1 delivery and its upcast are one event to every dedupe.
 */
const UPGRADES: readonly (readonly [EventDefinition, EventDefinition])[] = [
  [DecisionMadeV1, DecisionMadeV2],
  [ContainmentRequestedV1, ContainmentRequestedV2],
  [ContainmentApprovedV1, ContainmentApprovedV2],
  [ContainmentExecutedV1, ContainmentExecutedV2],
  [ContainmentFailedV1, ContainmentFailedV2],
  [ContainmentFreezeChangedV1, ContainmentFreezeChangedV2],
];
const UPCASTERS: ReadonlyMap<string, (event: SocEvent) => SocEvent> = new Map(UPGRADES.map(([from, to]) => [from.type, (event: SocEvent) => upcastTo(to, event)]));

/** The current version `to` of a superset v1 event: same envelope and id, the data re-read by the new schema (defaults filled). */
function upcastTo(to: EventDefinition, event: SocEvent): SocEvent {
  const parsed = to.schema.safeParse({ ...event, type: to.type });
  // A v1 event that parsed is always a valid v2 (a superset); were it not, the old version is kept rather than lost.
  return parsed.success ? (parsed.data as SocEvent) : event;
}

/** The older versions a current type is upcast from: a subscription to the current type also takes them. */
export function olderVersionsOf(type: SocEventType): SocEventType[] {
  return UPGRADES.filter(([, to]) => to.type === type).map(([from]) => from.type as SocEventType);
}

/** The current version of an event type (itself when it is current): what a stored old event reads as. */
export function currentTypeOf(type: string): string {
  return UPGRADES.find(([from]) => from.type === type)?.[1].type ?? type;
}

/** The types whose events are upcast to another: consumers handle only the current version. */
export function isSuperseded(type: SocEventType): boolean {
  return UPCASTERS.has(type);
}

/** Why an incoming message is not a usable event. */
export type EventRejection = {
  reason: 'MalformedEnvelope' | 'UnknownEventType' | 'SchemaValidationFailed';
  description: string;
};
export type ParseEventResult = { ok: true; event: SocEvent } | ({ ok: false } & EventRejection);

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 10)
    .map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`)
    .join('; ');
}

/** Validates an incoming message against its envelope and event schema and upcasts it. Never throws. */
/**
 * Events this module validated (and nobody has replaced since: events are never mutated after creation). The bus
 * trusts them instead of validating the same object twice — ingestion's hot path validates each new alert once.
 */
const VALIDATED = new WeakSet<object>();

/** True for an event object returned by {@link parseEvent} or {@link validateEvent}. */
export function isValidatedEvent(event: unknown): boolean {
  return typeof event === 'object' && event !== null && VALIDATED.has(event);
}

/** Why {@link validateEvent} refused a candidate: every failing field with its path. */
export interface EventIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

/**
 * Validates a candidate event of a known definition (defaults applied) and marks the result as validated, so
 * publishing it costs no second validation. Field-level issues, for producers that report them to a sender.
 */
export function validateEvent<D extends EventDefinition>(def: D, candidate: unknown): { ok: true; event: EventOf<D> } | { ok: false; issues: EventIssue[] } {
  const parsed = def.schema.safeParse(candidate);
  if (!parsed.success) return { ok: false, issues: parsed.error.issues.map((i) => ({ path: i.path, message: i.message })) };
  VALIDATED.add(parsed.data as object);
  return { ok: true, event: parsed.data as EventOf<D> };
}

export function parseEvent(input: unknown): ParseEventResult {
  const envelope = CloudEventEnvelope.safeParse(input);
  if (!envelope.success) {
    return { ok: false, reason: 'MalformedEnvelope', description: describeIssues(envelope.error) };
  }
  const def = byType.get(envelope.data.type);
  if (!def) {
    return {
      ok: false,
      reason: 'UnknownEventType',
      description: `No schema for event type "${envelope.data.type}"; known types: ${[...byType.keys()].join(', ')}`,
    };
  }
  const parsed = def.schema.safeParse(input);
  if (!parsed.success) {
    return { ok: false, reason: 'SchemaValidationFailed', description: describeIssues(parsed.error) };
  }
  const event = parsed.data as SocEvent;
  const upcast = UPCASTERS.get(event.type);
  const result = upcast ? upcast(event) : event;
  VALIDATED.add(result);
  return { ok: true, event: result };
}

/** The definition of a known event type. */
export function eventDefinition(type: SocEventType): EventDefinition {
  const def = byType.get(type);
  if (!def) throw new Error(`Unknown event type ${type}`);
  return def;
}
