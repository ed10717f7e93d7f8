import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { currentTraceIds, extractTraceContext, stampTraceContext, startConsumerSpan } from '../src/index.ts';
import { trace } from '@opentelemetry/api';
import {
  INCOMING_SPAN_ID,
  INCOMING_TRACEPARENT,
  INCOMING_TRACESTATE,
  INCOMING_TRACE_ID,
  fixtureEvent,
} from './fixtures.ts';

// No SDK is registered in this file: the OpenTelemetry API is a no-op, and the incoming context must pass through.
describe('trace context without an SDK', () => {
  const incoming = { ...fixtureEvent(), traceparent: INCOMING_TRACEPARENT, tracestate: INCOMING_TRACESTATE };
  const outgoing = () => {
    const { traceparent: _p, tracestate: _s, ...rest } = fixtureEvent('soc.alert.enriched.v1');
    return rest;
  };

  it('extracts the parent span context from the envelope', () => {
    const parent = trace.getSpanContext(extractTraceContext(incoming));
    expect(parent).toMatchObject({ traceId: INCOMING_TRACE_ID, spanId: INCOMING_SPAN_ID, isRemote: true });
    expect(parent?.traceState?.serialize()).toBe(INCOMING_TRACESTATE);
  });

  it('passes traceparent and tracestate through unchanged to events stamped inside the handler, across awaits', async () => {
    const stamped = await startConsumerSpan('enrichment', incoming, async () => {
      await sleep(1);
      expect(currentTraceIds()).toEqual({ traceId: INCOMING_TRACE_ID, spanId: INCOMING_SPAN_ID });
      return stampTraceContext(outgoing());
    });
    expect(stamped.traceparent).toBe(INCOMING_TRACEPARENT);
    expect(stamped.tracestate).toBe(INCOMING_TRACESTATE);
  });

  it('returns the very same event when no trace context is in effect', () => {
    const event = outgoing();
    expect(stampTraceContext(event)).toBe(event);
    expect(currentTraceIds()).toBeUndefined();
  });

  it('ignores a malformed traceparent', async () => {
    const event = outgoing();
    const stamped = await startConsumerSpan('enrichment', { ...incoming, traceparent: 'zz-not-a-trace' }, async () =>
      stampTraceContext(event),
    );
    expect(stamped).toBe(event);
  });

  it('rethrows handler errors untouched', async () => {
    const boom = new Error('boom');
    await expect(
      startConsumerSpan('enrichment', incoming, async () => {
        throw boom;
      }),
    ).rejects.toBe(boom);
  });
});
