import { z } from 'zod';

/**
 * Processing lanes, highest first (this order is the lane order: index 0 is served first). Under a backlog a
 * consumer takes every visible event of a higher lane before any of a lower one, and keeps publish order within a
 * lane. An event without `priority` travels in `normal`.
 */
export const Priority = z.enum(['critical', 'high', 'normal', 'low']);
export type Priority = z.infer<typeof Priority>;

/** The lane of an event that carries no `priority`. */
export const DEFAULT_PRIORITY: Priority = 'normal';

/** An event's lane, `normal` when it has none. */
export function eventPriority(event: { readonly priority?: Priority | undefined }): Priority {
  return event.priority ?? DEFAULT_PRIORITY;
}

/** Lane index of a priority: 0 (critical) … 3 (low); lower is served first. */
export function laneOf(priority: Priority): number {
  return Priority.options.indexOf(priority);
}

/**
 * Longest a publisher may defer an event with `deliverat`: 7 days (also the longest duplicate-detection window
 * Service Bus offers, so a scheduled event stays deduplicated by id on every adapter until it is delivered).
 */
export const MAX_DELIVERY_DELAY_MS = 7 * 24 * 60 * 60 * 1000;

/**
 * The time before which an event must not be delivered (epoch ms), or undefined when it carries no `deliverat`
 * (deliver at once). A `deliverat` in the past also means at once.
 */
export function deliverAtOf(event: { readonly deliverat?: string | undefined }): number | undefined {
  return event.deliverat === undefined ? undefined : Date.parse(event.deliverat);
}

/**
 * CloudEvents 1.0 envelope shared by every SOC Copilot event.
 * Extensions: `correlationid` (one per alert journey), `causationid` (the id of the event that caused this one),
 * `tenantid`, W3C trace context (`traceparent`, `tracestate`) so traces survive every hop, `priority` (the
 * processing lane, inherited along the journey by `causedBy`) and `deliverat` (scheduled delivery: an RFC 3339 UTC
 * time before which no subscription receives the event; never inherited; at most {@link MAX_DELIVERY_DELAY_MS}
 * ahead, which the bus checks at publish).
 */
export const EnvelopeFields = {
  specversion: z.literal('1.0'),
  id: z.string().min(1).max(256),
  source: z.string().min(1).max(512),
  time: z.iso.datetime({ offset: true }),
  subject: z.string().max(512).optional(),
  datacontenttype: z.literal('application/json'),
  dataschema: z.string().optional(),
  correlationid: z.string().min(1).max(256),
  causationid: z.string().min(1).max(256).optional(),
  tenantid: z.string().min(1).max(128),
  traceparent: z.string().max(55).optional(),
  tracestate: z.string().max(512).optional(),
  priority: Priority.optional(),
  /** Do not deliver before this time (RFC 3339, UTC: `Z`); absent or past means at once. */
  deliverat: z.iso.datetime().optional(),
};

/** Envelope without a typed payload: what the bus can check before it knows the event type. */
export const CloudEventEnvelope = z.object({ ...EnvelopeFields, type: z.string().min(1).max(256), data: z.unknown() });
export type CloudEventEnvelope = z.infer<typeof CloudEventEnvelope>;

/** A typed CloudEvent: literal `type` and a schema-checked `data`. */
export type CloudEvent<TType extends string = string, TData = unknown> = Omit<CloudEventEnvelope, 'type' | 'data'> & {
  type: TType;
  data: TData;
};

/** Definition of one event version: its type name, its full zod schema and the data schema alone. */
export interface EventDefinition<TType extends string = string, TData extends z.ZodType = z.ZodType> {
  readonly type: TType;
  readonly version: number;
  /** One line: who emits it and who consumes it. */
  readonly description: string;
  readonly data: TData;
  readonly schema: z.ZodType<CloudEvent<TType, z.output<TData>>>;
}

/** Declares an event version; the type name must end in `.vN` matching `version`. */
export function defineEvent<const TType extends string, TData extends z.ZodType>(
  type: TType,
  data: TData,
  description: string,
): EventDefinition<TType, TData> {
  const match = /\.v(\d+)$/.exec(type);
  if (!match) throw new Error(`Event type "${type}" must end in .vN (for example soc.alert.received.v1)`);
  const schema = z.object({ ...EnvelopeFields, type: z.literal(type), data }) as unknown as z.ZodType<
    CloudEvent<TType, z.output<TData>>
  >;
  return { type, version: Number(match[1]), description, data, schema };
}

/** The payload type of an event definition. */
export type DataOf<D> = D extends EventDefinition<string, infer S> ? z.output<S> : never;
/** The full event type of an event definition. */
export type EventOf<D> = D extends EventDefinition<infer T, infer S> ? CloudEvent<T, z.output<S>> : never;
