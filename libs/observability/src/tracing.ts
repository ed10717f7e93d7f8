import { AsyncLocalStorage } from 'node:async_hooks';
import {
  type Context,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  isSpanContextValid,
  trace,
} from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import type { ObservedEvent } from './message-context.ts';
import { scrubSecrets } from './secrets.ts';

/** Instrumentation scope of the spans this package starts. */
export const TRACER_NAME = '@soc/observability';

/** The envelope's W3C trace context extension attributes. */
export type TraceCarrier = Pick<ObservedEvent, 'traceparent' | 'tracestate'>;

/** The ids of the span in effect, for log correlation. */
export interface TraceIds {
  readonly traceId: string;
  readonly spanId: string;
}

// The envelope schema caps tracestate at 512 characters; W3C lets us drop list members from the end to fit.
const MAX_TRACESTATE = 512;

const propagator = new W3CTraceContextPropagator();

// Without a registered SDK the OpenTelemetry API has no context manager, so `context.with` does not carry the
// consumer context across awaits. This store does, so the incoming trace context still reaches `stamp`.
const consumerContext = new AsyncLocalStorage<Context>();

/** The context whose span outgoing events should descend from: the SDK's active one, else the consumer's. */
function currentTraceContext(): Context {
  const active = context.active();
  if (trace.getSpan(active) !== undefined) return active;
  return consumerContext.getStore() ?? active;
}

/** Reads the parent context from an envelope's `traceparent`/`tracestate` (invalid values yield no parent). */
export function extractTraceContext(event: TraceCarrier): Context {
  const carrier: Record<string, string> = {};
  if (event.traceparent !== undefined) carrier.traceparent = event.traceparent;
  if (event.tracestate !== undefined) carrier.tracestate = event.tracestate;
  // From ROOT_CONTEXT, not the active one: a message continues its producer's trace, not the poller's.
  return propagator.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter);
}

/**
 * Runs a message handler inside a CONSUMER span that is a child of the envelope's trace context, records a thrown
 * error on the span (scrubbed) and rethrows it. Without an SDK the span is non-recording and carries the incoming
 * context, so events stamped inside keep the incoming `traceparent` unchanged.
 */
export async function startConsumerSpan<T>(
  subscription: string,
  event: ObservedEvent,
  fn: () => Promise<T>,
): Promise<T> {
  const parent = extractTraceContext(event);
  const attributes: Record<string, string> = {
    'messaging.operation.type': 'process',
    'messaging.destination.subscription.name': subscription,
    'messaging.message.id': event.id,
    'messaging.message.conversation_id': event.correlationid,
    'cloudevents.event_id': event.id,
    'cloudevents.event_type': event.type,
    'cloudevents.event_source': event.source,
  };
  if (event.subject !== undefined) attributes['cloudevents.event_subject'] = event.subject;
  const span = trace
    .getTracer(TRACER_NAME)
    .startSpan(`process ${subscription}`, { kind: SpanKind.CONSUMER, attributes }, parent);
  const spanContext = trace.setSpan(parent, span);
  try {
    return await consumerContext.run(spanContext, () => context.with(spanContext, fn));
  } catch (error) {
    // Exceptions are exported to a tracing backend, which is no more trusted with secrets than a log.
    const exception: { name: string; message: string; stack?: string } =
      error instanceof Error
        ? { name: error.name, message: scrubSecrets(error.message) }
        : { name: 'Error', message: scrubSecrets(String(error)) };
    if (error instanceof Error && error.stack !== undefined) exception.stack = scrubSecrets(error.stack);
    span.recordException(exception);
    span.setStatus({ code: SpanStatusCode.ERROR, message: exception.message });
    throw error;
  } finally {
    span.end();
  }
}

/** Trims a tracestate list to the envelope limit by dropping members from the end, as W3C allows. */
function fitTraceState(tracestate: string): string | undefined {
  const members = tracestate.split(',');
  while (members.length > 0 && members.join(',').length > MAX_TRACESTATE) members.pop();
  return members.length > 0 ? members.join(',') : undefined;
}

/**
 * Writes the current span's context into an outgoing event's `traceparent`/`tracestate`, so the next hop is a child
 * of this one. Returns a new event; returns the event unchanged when no valid span context is in effect.
 */
export function stampTraceContext<E extends ObservedEvent>(event: E): E & TraceCarrier {
  const carrier: Record<string, string> = {};
  propagator.inject(currentTraceContext(), carrier, defaultTextMapSetter);
  const traceparent = carrier.traceparent;
  if (traceparent === undefined) return event;
  const { tracestate: _previous, ...rest } = event;
  const tracestate = carrier.tracestate === undefined ? undefined : fitTraceState(carrier.tracestate);
  return (tracestate === undefined ? { ...rest, traceparent } : { ...rest, traceparent, tracestate }) as E &
    TraceCarrier;
}

/** Trace and span id in effect (SDK span or consumer context), for log correlation. */
export function currentTraceIds(): TraceIds | undefined {
  const spanContext = trace.getSpanContext(currentTraceContext());
  if (spanContext === undefined || !isSpanContextValid(spanContext)) return undefined;
  return { traceId: spanContext.traceId, spanId: spanContext.spanId };
}

/** The SERVER span of one inbound HTTP request; see {@link startServerSpan}. */
export interface ServerSpan {
  /** Runs `fn` (the rest of the request's handling) with the span in effect, so events published inside descend from it. */
  run<T>(fn: () => T): T;
  /** Binds an emitter's listeners (the request's body stream) to the span's context. */
  bind<E extends object>(emitter: E): E;
  /** Names the span by its route template, records the status and ends it. */
  end(route: string, status: number): void;
}

/**
 * Starts a SERVER span for an inbound request, as a new trace: an alert's journey is traced from its POST, and a
 * caller cannot graft the journey onto a trace of its choosing. Without an SDK the span is non-recording and
 * nothing changes. `path` must carry no query string (that is where callers put tokens).
 */
export function startServerSpan(method: string, path: string): ServerSpan {
  const span = trace.getTracer(TRACER_NAME).startSpan(
    method,
    { kind: SpanKind.SERVER, attributes: { 'http.request.method': method, 'url.path': path } },
    ROOT_CONTEXT,
  );
  const spanContext = trace.setSpan(ROOT_CONTEXT, span);
  return {
    run: (fn) => consumerContext.run(spanContext, () => context.with(spanContext, fn)),
    bind: (emitter) => context.bind(spanContext, emitter),
    end(route, status) {
      span.updateName(`${method} ${route}`);
      span.setAttributes({ 'http.route': route, 'http.response.status_code': status });
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
      span.end();
    },
  };
}
