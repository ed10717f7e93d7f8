import { parseEvent, type SocEvent } from '@soc/contracts';
import type { BusObserver, DeadLetter } from '@soc/bus';
import { describe, expect, it } from 'vitest';
import { createBusObserver, createLogger, createMetrics } from '../src/index.ts';
import { INCOMING_TRACEPARENT, INCOMING_TRACE_ID, fixtureEvent } from './fixtures.ts';
import { memoryLog } from '../src/testing.ts';

const setup = () => {
  const log = memoryLog();
  const logger = createLogger({ service: 'triage', destination: log.destination });
  const metrics = createMetrics({ service: 'triage', defaultMetrics: false });
  const observer = createBusObserver({ logger, metrics }) satisfies BusObserver;
  return { log, logger, metrics, observer };
};

describe('createBusObserver', () => {
  it('is assignable to the bus port', () => {
    const { observer } = setup();
    const asPort: BusObserver = observer;
    expect(typeof asPort.around).toBe('function');
  });

  it('around: gives log lines the message context and the result back', async () => {
    const { log, logger, observer } = setup();
    const event: SocEvent = { ...fixtureEvent('soc.alert.enriched.v1'), traceparent: INCOMING_TRACEPARENT };
    const result = await observer.around('triage', event, async () => {
      logger.info('scoring');
      return 42;
    });
    expect(result).toBe(42);
    expect(log.lines()[0]).toMatchObject({
      service: 'triage',
      subscription: 'triage',
      eventId: event.id,
      eventType: 'soc.alert.enriched.v1',
      correlationid: event.correlationid,
      traceId: INCOMING_TRACE_ID,
    });
  });

  it('stamp: events published from a handler carry its trace context and still parse', async () => {
    const { observer } = setup();
    const cause: SocEvent = { ...fixtureEvent('soc.alert.enriched.v1'), traceparent: INCOMING_TRACEPARENT };
    const { traceparent: _drop, ...next } = fixtureEvent('soc.alert.triaged.v1');
    const stamped = await observer.around('triage', cause, async () => observer.stamp(next as SocEvent));
    expect(stamped.traceparent).toBe(INCOMING_TRACEPARENT);
    expect(parseEvent(stamped).ok).toBe(true);
  });

  it('handled: one log line with outcome and duration, plus metrics', async () => {
    const { log, metrics, observer } = setup();
    const event = fixtureEvent('soc.alert.enriched.v1');
    observer.handled({ subscription: 'triage', event, deliveryCount: 1, durationMs: 12.5, result: 'completed' });
    observer.handled({
      subscription: 'triage',
      event,
      deliveryCount: 2,
      durationMs: 3,
      result: 'retried',
      error: new Error('llm at https://user:llm-pass@llm.example timed out'),
    });
    const [completed, retried] = log.lines();
    expect(completed).toMatchObject({
      level: 'info',
      msg: 'message handled',
      outcome: 'completed',
      durationMs: 12.5,
      deliveryCount: 1,
      eventId: event.id,
      correlationid: event.correlationid,
      subscription: 'triage',
    });
    expect(retried).toMatchObject({ level: 'warn', outcome: 'retried', err: { type: 'Error' } });
    expect(log.text()).not.toContain('llm-pass');
    const text = await metrics.registry.metrics();
    expect(text).toContain(
      'soc_events_processed_total{service="triage",subscription="triage",type="soc.alert.enriched.v1",result="completed"} 1',
    );
    expect(text).toContain(
      'soc_events_processed_total{service="triage",subscription="triage",type="soc.alert.enriched.v1",result="retried"} 1',
    );
    expect(text).toContain(
      'soc_handler_duration_seconds_sum{service="triage",subscription="triage",type="soc.alert.enriched.v1"} 0.0155',
    );
  });

  it('deadLettered: a warning with the reason (never the body) and a metric', async () => {
    const { log, metrics, observer } = setup();
    const deadLetter: DeadLetter = {
      id: 'dl-1',
      subscription: 'triage',
      messageId: 'm-1',
      type: 'soc.alert.enriched.v1',
      correlationId: 'c-1',
      reason: 'SchemaValidationFailed',
      description: 'data.alert.severity: Invalid option',
      deliveryCount: 1,
      deadLetteredAt: '2026-01-01T00:00:00.000Z',
      body: { secretPayload: 'body-must-not-be-logged' },
    };
    observer.deadLettered(deadLetter);
    expect(log.lines()[0]).toMatchObject({
      level: 'warn',
      msg: 'message dead-lettered',
      reason: 'SchemaValidationFailed',
      description: 'data.alert.severity: Invalid option',
      eventId: 'm-1',
      correlationid: 'c-1',
      deadLetterId: 'dl-1',
    });
    expect(log.text()).not.toContain('body-must-not-be-logged');
    expect(await metrics.registry.metrics()).toContain(
      'soc_events_dead_lettered_total{service="triage",subscription="triage",reason="SchemaValidationFailed"} 1',
    );
  });
});
