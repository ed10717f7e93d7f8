import { describe, expect, it } from 'vitest';
import { EVENT_DEFINITIONS, isKnownEventType, parseEvent } from '../src/index.ts';
import { readFixture } from './support.ts';

const received = () =>
  structuredClone(readFixture('soc.alert.received.v1')) as Record<string, unknown> & {
    data: { alert: Record<string, unknown> & { entities: Record<string, unknown>[] } };
  };

function rejection(input: unknown) {
  const result = parseEvent(input);
  if (result.ok) throw new Error(`expected a rejection, got a ${result.event.type}`);
  return result;
}

describe('parseEvent', () => {
  it('answers the typed event for a valid message', () => {
    const result = parseEvent(received());
    expect(result.ok && result.event.type).toBe('soc.alert.received.v1');
  });

  describe('MalformedEnvelope', () => {
    it.each([
      ['null', null],
      ['a string', '{"specversion":"1.0"}'],
      ['an array', []],
      ['an empty object', {}],
    ])('rejects %s without throwing', (_, input) => {
      expect(rejection(input).reason).toBe('MalformedEnvelope');
    });

    it('rejects another CloudEvents spec version', () => {
      expect(rejection({ ...received(), specversion: '0.3' })).toMatchObject({
        reason: 'MalformedEnvelope',
        description: expect.stringContaining('specversion'),
      });
    });

    it('rejects an event without correlationid, naming the attribute', () => {
      const { correlationid: _, ...event } = received();
      expect(rejection(event)).toMatchObject({
        reason: 'MalformedEnvelope',
        description: expect.stringContaining('correlationid'),
      });
    });

    it('rejects a time without an offset', () => {
      expect(rejection({ ...received(), time: '2025-03-18 09:14:31' }).description).toContain('time');
    });
  });

  describe('UnknownEventType', () => {
    it('names the unknown type and lists every known one', () => {
      const result = rejection({ ...received(), type: 'soc.alert.received.v9' });
      expect(result.reason).toBe('UnknownEventType');
      expect(result.description).toContain('"soc.alert.received.v9"');
      for (const def of EVENT_DEFINITIONS) expect(result.description).toContain(def.type);
    });

    it('isKnownEventType agrees with the registry', () => {
      expect(isKnownEventType('soc.decision.made.v1')).toBe(true);
      expect(isKnownEventType('soc.decision.made.v2')).toBe(true);
      expect(isKnownEventType('soc.decision.made.v3')).toBe(false);
    });
  });

  describe('SchemaValidationFailed', () => {
    it('gives the path of the failing field', () => {
      const event = received();
      event.data.alert.severity = 'urgent';
      expect(rejection(event)).toMatchObject({
        reason: 'SchemaValidationFailed',
        description: expect.stringContaining('data.alert.severity'),
      });
    });

    it('gives the index of a failing entity', () => {
      const event = received();
      event.data.alert.entities[2] = { id: 'ip:not-an-ip', type: 'ipv4', value: '10.0.0.1' };
      expect(rejection(event).description).toContain('data.alert.entities.2');
    });

    it('lists several problems at once', () => {
      const event = received();
      delete event.data.alert.title;
      event.data.alert.detectedAt = 'yesterday';
      const { description } = rejection(event);
      expect(description).toContain('data.alert.title');
      expect(description).toContain('data.alert.detectedAt');
    });

    it('rejects data of another event type under a known type', () => {
      const event = { ...readFixture('soc.ticket.created.v1'), type: 'soc.notification.sent.v1' };
      expect(rejection(event).reason).toBe('SchemaValidationFailed');
    });
  });

  it('applies defaults, so handlers never see missing arrays', () => {
    const event = received();
    delete (event.data.alert as Record<string, unknown>).labels;
    delete (event.data as Record<string, unknown>).priority;
    const result = parseEvent(event);
    if (!result.ok || result.event.type !== 'soc.alert.received.v1')
      throw new Error('expected an alert.received event');
    expect(result.event.data.alert.labels).toEqual([]);
    expect(result.event.data.priority).toBe('normal');
  });
});
