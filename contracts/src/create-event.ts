import type { CloudEvent, DataOf, EventDefinition, EventOf, Priority } from './envelope.ts';
import { deriveEventId } from './ids.ts';

/** What every new event needs besides its data. */
export interface NewEventOptions {
  id: string;
  /** URI reference of the producer, e.g. `/soc/ingestion`. */
  source: string;
  time: Date;
  correlationid: string;
  causationid?: string;
  tenantid: string;
  subject?: string;
  traceparent?: string;
  tracestate?: string;
  /** Processing lane; left out means `normal`. */
  priority?: Priority;
  /** Scheduled delivery (`deliverat`): no subscription receives the event before this time. */
  deliverAt?: Date;
}

/** Builds an event of a definition. The data is typed, not re-validated: validation happens at the bus edge. */
export function createEvent<D extends EventDefinition>(def: D, data: DataOf<D>, opts: NewEventOptions): EventOf<D> {
  const event: CloudEvent = {
    specversion: '1.0',
    id: opts.id,
    source: opts.source,
    type: def.type,
    time: opts.time.toISOString(),
    datacontenttype: 'application/json',
    correlationid: opts.correlationid,
    tenantid: opts.tenantid,
    data,
  };
  if (opts.causationid !== undefined) event.causationid = opts.causationid;
  if (opts.subject !== undefined) event.subject = opts.subject;
  if (opts.traceparent !== undefined) event.traceparent = opts.traceparent;
  if (opts.tracestate !== undefined) event.tracestate = opts.tracestate;
  if (opts.priority !== undefined) event.priority = opts.priority;
  if (opts.deliverAt !== undefined) event.deliverat = opts.deliverAt.toISOString();
  return event as EventOf<D>;
}

/** Options for an event caused by another one. */
export interface CausedByOptions {
  source: string;
  time: Date;
  /** Distinguishes several events of one type from one cause (e.g. the action id). */
  key?: string;
  subject?: string;
  /** Moves the event to another lane; by default it stays in its cause's (so a journey keeps its lane). */
  priority?: Priority;
  /** Scheduled delivery of this event; never inherited from the cause (its outcome is due when it is handled). */
  deliverAt?: Date;
}

/**
 * Builds the next event of a journey: copies `correlationid`, `tenantid`, trace context and `priority` from its
 * cause, sets `causationid` to the cause's id and derives its own id deterministically (idempotent on redelivery).
 */
export function causedBy<D extends EventDefinition>(
  cause: CloudEvent,
  def: D,
  data: DataOf<D>,
  opts: CausedByOptions,
): EventOf<D> {
  const next: NewEventOptions = {
    id: deriveEventId(cause.id, def.type, opts.key),
    source: opts.source,
    time: opts.time,
    correlationid: cause.correlationid,
    causationid: cause.id,
    tenantid: cause.tenantid,
  };
  const subject = opts.subject ?? cause.subject;
  if (subject !== undefined) next.subject = subject;
  if (cause.traceparent !== undefined) next.traceparent = cause.traceparent;
  if (cause.tracestate !== undefined) next.tracestate = cause.tracestate;
  const priority = opts.priority ?? cause.priority;
  if (priority !== undefined) next.priority = priority;
  if (opts.deliverAt !== undefined) next.deliverAt = opts.deliverAt;
  return createEvent(def, data, next);
}
