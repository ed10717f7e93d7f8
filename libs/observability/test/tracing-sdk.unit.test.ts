import { setTimeout as sleep } from 'node:timers/promises';
import { SpanKind, SpanStatusCode, context, trace } from '@opentelemetry/api';
import { AsyncLocalStorageContextManager } from '@opentelemetry/context-async-hooks';
import { parseTraceParent } from '@opentelemetry/core';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { parseEvent } from '@soc/contracts';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createLogger,
  messageContextOf,
  stampTraceContext,
  startConsumerSpan,
  withMessageContext,
} from '../src/index.ts';
import { INCOMING_TRACEPARENT, INCOMING_TRACESTATE, INCOMING_TRACE_ID, fixtureEvent } from './fixtures.ts';
import { memoryLog } from '../src/testing.ts';

// An in-memory exporter is a real SDK with a fake backend: spans are recorded exactly as they would be exported.
const exporter = new InMemorySpanExporter();
const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  trace.setGlobalTracerProvider(provider);
});
afterAll(async () => {
  await provider.shutdown();
  trace.disable();
  context.disable();
});
beforeEach(() => exporter.reset());

const strip = <E extends { traceparent?: string; tracestate?: string }>(event: E) => {
  const { traceparent: _p, tracestate: _s, ...rest } = event;
  return rest;
};

describe('trace context with an SDK', () => {
  it('makes each hop a child of the previous one', async () => {
    const received = { ...fixtureEvent('soc.alert.received.v1'), traceparent: INCOMING_TRACEPARENT };
    const enriched = await startConsumerSpan('enrichment', received, async () => {
      await sleep(1);
      return stampTraceContext(strip(fixtureEvent('soc.alert.enriched.v1')));
    });
    const triaged = await startConsumerSpan('triage', enriched, async () =>
      stampTraceContext(strip(fixtureEvent('soc.alert.triaged.v1'))),
    );

    const [hop1, hop2] = exporter.getFinishedSpans();
    expect(hop1?.name).toBe('process enrichment');
    expect(hop1?.kind).toBe(SpanKind.CONSUMER);
    expect(hop1?.spanContext().traceId).toBe(INCOMING_TRACE_ID);
    expect(hop1?.parentSpanContext?.spanId).toBe(parseTraceParent(INCOMING_TRACEPARENT)?.spanId);
    expect(hop2?.spanContext().traceId).toBe(INCOMING_TRACE_ID);
    expect(hop2?.parentSpanContext?.spanId).toBe(hop1?.spanContext().spanId);

    expect(parseTraceParent(enriched.traceparent ?? '')?.spanId).toBe(hop1?.spanContext().spanId);
    expect(parseTraceParent(triaged.traceparent ?? '')?.spanId).toBe(hop2?.spanContext().spanId);
    expect(hop1?.attributes).toMatchObject({
      'messaging.destination.subscription.name': 'enrichment',
      'cloudevents.event_type': 'soc.alert.received.v1',
      'messaging.message.conversation_id': received.correlationid,
    });
    // Stamped events still pass the envelope schema.
    expect(parseEvent(triaged).ok).toBe(true);
  });

  it('keeps tracestate and starts a new trace when the message has none', async () => {
    const withState = { ...fixtureEvent(), traceparent: INCOMING_TRACEPARENT, tracestate: INCOMING_TRACESTATE };
    const out = await startConsumerSpan('enrichment', withState, async () => stampTraceContext(strip(fixtureEvent())));
    expect(out.tracestate).toBe(INCOMING_TRACESTATE);

    const root = await startConsumerSpan('enrichment', strip(fixtureEvent()), async () =>
      stampTraceContext(strip(fixtureEvent())),
    );
    const [, rootSpan] = exporter.getFinishedSpans();
    expect(rootSpan?.parentSpanContext).toBeUndefined();
    expect(parseTraceParent(root.traceparent ?? '')?.traceId).toBe(rootSpan?.spanContext().traceId);
  });

  it('records a failure with credentials scrubbed from the exception', async () => {
    await expect(
      startConsumerSpan('enrichment', fixtureEvent(), async () => {
        throw new Error('GET https://misp:misp-pass-1@misp.example/events failed');
      }),
    ).rejects.toThrow();
    const [span] = exporter.getFinishedSpans();
    expect(span?.status.code).toBe(SpanStatusCode.ERROR);
    expect(JSON.stringify(span?.events)).not.toContain('misp-pass-1');
    expect(span?.status.message).toBe('GET https://[REDACTED]@misp.example/events failed');
  });

  it('puts the consumer span ids on log lines', async () => {
    const log = memoryLog();
    const logger = createLogger({ service: 'enrichment', destination: log.destination });
    const event = { ...fixtureEvent(), traceparent: INCOMING_TRACEPARENT };
    await withMessageContext(messageContextOf('enrichment', event), () =>
      startConsumerSpan('enrichment', event, async () => logger.info('inside')),
    );
    const [span] = exporter.getFinishedSpans();
    expect(log.lines()[0]).toMatchObject({ traceId: INCOMING_TRACE_ID, spanId: span?.spanContext().spanId });
  });
});
