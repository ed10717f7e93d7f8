import { describe, expect, it } from 'vitest';
import {
  AlertEnrichedV1,
  DEFAULT_PRIORITY,
  NotificationSentV1,
  Priority,
  TicketCreatedV1,
  causedBy,
  createEvent,
  deliverAtOf,
  deriveEventId,
  eventPriority,
  laneOf,
  parseEvent,
  type CloudEvent,
} from '../src/index.ts';
import { readFixture } from './support.ts';

const cause = readFixture('soc.decision.made.v1') as unknown as CloudEvent;
const time = new Date('2025-03-18T09:14:34.118Z');
const sent = (actionId: string) => ({
  alertId: 'alt-612d703b-3346-b0a1-3fc1-d5670a9b3668',
  actionId,
  channel: 'email' as const,
  destinations: ['soc-oncall@contoso.com'],
  subject: 'Suspicious PowerShell command line on ws-fin-042',
  deliveryId: '<c3f1a9e2.0b7d.4e55@soc-copilot.contoso.com>',
});

describe('createEvent', () => {
  it('fills the CloudEvents attributes and leaves unset options out', () => {
    const event = createEvent(
      TicketCreatedV1,
      { alertId: 'alt-1', actionId: 'a-1', system: 'local', ticketId: 'T-1', priority: 3, status: 'open' },
      {
        id: 'e-1',
        source: '/soc/ticketing',
        time,
        correlationid: 'c-1',
        tenantid: 'contoso',
      },
    );
    expect(event).toEqual({
      specversion: '1.0',
      id: 'e-1',
      source: '/soc/ticketing',
      type: 'soc.ticket.created.v1',
      time: '2025-03-18T09:14:34.118Z',
      datacontenttype: 'application/json',
      correlationid: 'c-1',
      tenantid: 'contoso',
      data: { alertId: 'alt-1', actionId: 'a-1', system: 'local', ticketId: 'T-1', priority: 3, status: 'open' },
    });
    expect(parseEvent(event).ok).toBe(true);
  });
});

describe('causedBy', () => {
  const next = causedBy(cause, NotificationSentV1, sent('act-email'), {
    source: '/soc/notification',
    time,
    key: 'act-email',
  });

  it('copies correlationid, tenantid and trace context from its cause', () => {
    const withTrace = { ...cause, tracestate: 'congo=t61rcWkgMzE' };
    const event = causedBy(withTrace, NotificationSentV1, sent('a'), { source: '/soc/notification', time });
    expect(event.correlationid).toBe(cause.correlationid);
    expect(event.tenantid).toBe(cause.tenantid);
    expect(event.traceparent).toBe(cause.traceparent);
    expect(event.tracestate).toBe('congo=t61rcWkgMzE');
  });

  it("sets causationid to the cause's id, and its own source, time and type", () => {
    expect(next).toMatchObject({
      causationid: cause.id,
      source: '/soc/notification',
      time: '2025-03-18T09:14:34.118Z',
      type: 'soc.notification.sent.v1',
    });
  });

  it("keeps the cause's subject unless given another", () => {
    expect(next.subject).toBe(cause.subject);
    const other = causedBy(cause, NotificationSentV1, sent('a'), {
      source: '/soc/notification',
      time,
      subject: 'case-42',
    });
    expect(other.subject).toBe('case-42');
  });

  it('leaves trace context out when the cause has none', () => {
    const { traceparent: _, ...untraced } = cause;
    const event = causedBy(untraced, NotificationSentV1, sent('a'), { source: '/soc/notification', time });
    expect('traceparent' in event).toBe(false);
    expect('tracestate' in event).toBe(false);
  });

  it('derives the same id for the same cause, type and key (a redelivery republishes identical events)', () => {
    const again = causedBy(cause, NotificationSentV1, sent('act-email'), {
      source: '/soc/notification',
      time: new Date('2025-03-18T09:20:00Z'),
      key: 'act-email',
    });
    expect(again.id).toBe(next.id);
    expect(next.id).toBe(deriveEventId(cause.id, 'soc.notification.sent.v1', 'act-email'));
  });

  it('derives different ids for different keys, types and causes', () => {
    const ids = [
      next.id,
      causedBy(cause, NotificationSentV1, sent('act-chat'), { source: '/soc/notification', time, key: 'act-chat' }).id,
      causedBy(cause, NotificationSentV1, sent('act-email'), { source: '/soc/notification', time }).id,
      causedBy({ ...cause, id: 'another-decision' }, NotificationSentV1, sent('act-email'), {
        source: '/soc/notification',
        time,
        key: 'act-email',
      }).id,
      causedBy(
        cause,
        AlertEnrichedV1,
        { alert: (cause.data as { alert: never }).alert, enrichment: { facts: [], missing: [] } },
        { source: '/soc/enrichment', time, key: 'act-email' },
      ).id,
    ];
    expect(new Set(ids).size).toBe(ids.length);
  });

  it('builds an event that passes parseEvent', () => {
    expect(parseEvent(JSON.parse(JSON.stringify(next)))).toMatchObject({ ok: true });
  });
});

describe('priority (processing lane)', () => {
  const ticket = { alertId: 'alt-1', actionId: 'a-1', system: 'local', ticketId: 'T-1', priority: 3, status: 'open' };
  const base = { id: 'e-1', source: '/soc/ticketing', time, correlationid: 'c-1', tenantid: 'contoso' };

  it('orders the lanes critical, high, normal, low; an event without one is normal', () => {
    expect(Priority.options).toEqual(['critical', 'high', 'normal', 'low']);
    expect(Priority.options.map(laneOf)).toEqual([0, 1, 2, 3]);
    expect(DEFAULT_PRIORITY).toBe('normal');
    expect(eventPriority(cause)).toBe('normal');
    expect(eventPriority({ ...cause, priority: 'low' })).toBe('low');
  });

  it('createEvent sets it when given, and it passes parseEvent', () => {
    const event = createEvent(TicketCreatedV1, ticket as never, { ...base, priority: 'critical' });
    expect(event.priority).toBe('critical');
    expect(parseEvent(JSON.parse(JSON.stringify(event)))).toMatchObject({ ok: true, event: { priority: 'critical' } });
  });

  it('causedBy keeps the cause priority, so a whole journey stays in its lane, unless told otherwise', () => {
    const critical = { ...cause, priority: 'critical' as const };
    const next = causedBy(critical, NotificationSentV1, sent('a'), { source: '/soc/notification', time });
    expect(next.priority).toBe('critical');
    const moved = causedBy(critical, NotificationSentV1, sent('a'), {
      source: '/soc/notification',
      time,
      priority: 'low',
    });
    expect(moved.priority).toBe('low');
    const plain = causedBy(cause, NotificationSentV1, sent('a'), { source: '/soc/notification', time });
    expect('priority' in plain).toBe(false);
  });

  it('rejects a value outside the lanes as a malformed envelope', () => {
    const event = { ...createEvent(TicketCreatedV1, ticket as never, base), priority: 'urgent' };
    expect(parseEvent(event)).toMatchObject({ ok: false, reason: 'MalformedEnvelope' });
  });
});

describe('deliverat (scheduled delivery)', () => {
  const at = new Date('2025-03-18T09:29:34.118Z');

  it('is set from deliverAt as an RFC 3339 UTC time and parses; an offset time is refused', () => {
    const later = causedBy(cause, NotificationSentV1, sent('act-later'), { source: '/soc/notification', time, deliverAt: at });
    expect(later.deliverat).toBe('2025-03-18T09:29:34.118Z');
    expect(deliverAtOf(later)).toBe(at.getTime());
    expect(parseEvent(later).ok).toBe(true);
    expect(parseEvent({ ...later, deliverat: '2025-03-18T10:29:34.118+01:00' })).toMatchObject({ ok: false, reason: 'MalformedEnvelope' });
  });

  it('is never inherited: the outcome of a scheduled event is due when it is handled', () => {
    const later = causedBy(cause, NotificationSentV1, sent('act-later'), { source: '/soc/notification', time, deliverAt: at });
    const next = causedBy(later, NotificationSentV1, sent('act-next'), { source: '/soc/notification', time });
    expect(next).not.toHaveProperty('deliverat');
    expect(deliverAtOf(next)).toBeUndefined();
  });
});
