import { AsyncLocalStorage } from 'node:async_hooks';
import { parseTraceParent } from '@opentelemetry/core';
import type { CloudEvent } from '@soc/contracts';

/**
 * The envelope fields observability reads from an event. Any {@link CloudEvent} (hence any `SocEvent`) fits, so this
 * package needs no knowledge of event types or of the bus.
 */
export type ObservedEvent = Pick<
  CloudEvent,
  'id' | 'type' | 'source' | 'correlationid' | 'causationid' | 'tenantid' | 'subject' | 'traceparent' | 'tracestate'
>;

/** Fields every log line carries while a message is being handled (STYLE rule 8). */
export interface MessageLogContext {
  readonly subscription: string;
  readonly eventId: string;
  readonly eventType: string;
  readonly correlationid: string;
  readonly causationid?: string;
  readonly tenantid?: string;
  /** Trace id of the incoming `traceparent`; replaced in log lines by the active span's when there is one. */
  readonly traceId?: string;
}

const storage = new AsyncLocalStorage<MessageLogContext>();

/** Builds the log context of one delivery from its envelope. */
export function messageContextOf(subscription: string, event: ObservedEvent): MessageLogContext {
  const traceId = event.traceparent === undefined ? undefined : parseTraceParent(event.traceparent)?.traceId;
  return {
    subscription,
    eventId: event.id,
    eventType: event.type,
    correlationid: event.correlationid,
    ...(event.causationid === undefined ? {} : { causationid: event.causationid }),
    ...(event.tenantid === undefined ? {} : { tenantid: event.tenantid }),
    ...(traceId === undefined ? {} : { traceId }),
  };
}

/**
 * Runs `fn` with `context` attached to every log line written inside it, across awaits, without passing a child
 * logger through handlers and adapters.
 */
export function withMessageContext<T>(context: MessageLogContext, fn: () => T): T {
  return storage.run(context, fn);
}

/** The message context of the current async execution, if any. */
export function currentMessageContext(): MessageLogContext | undefined {
  return storage.getStore();
}
