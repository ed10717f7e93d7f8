import { ServiceBusError, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  decodeServiceBusBody,
  deliveryCountOf,
  isLockLost,
  laneFilterSql,
  laneSubscriptionName,
  laneSubscriptions,
  lockDurationIso,
  serviceBusEmulatorConfig,
  subscriptionFilterSql,
  toReplayMessage,
  toServiceBusMessage,
  translateServiceBusError,
  DEFAULT_RETRY_POLICY,
} from '@soc/bus';
import { sampleAlertEnriched, sampleAlertReceived } from '@soc/bus/testing';
import type { SubscriptionSpec } from '@soc/contracts';
import { ErrorCode } from '@soc/runtime';

describe('subscriptionFilterSql', () => {
  it('routes by type unless the message is aimed at a subscription, and quotes names', () => {
    expect(subscriptionFilterSql({ name: 'triage', types: ['soc.alert.enriched.v1'] })).toBe(
      "(targetsubscription IS NULL AND type IN ('soc.alert.enriched.v1')) OR targetsubscription = 'triage'",
    );
    expect(subscriptionFilterSql({ name: "o'brien", types: [] })).toBe(
      "(targetsubscription IS NULL AND 1 = 0) OR targetsubscription = 'o''brien'",
    );
  });
});

describe('lane subscriptions', () => {
  const triage: SubscriptionSpec = { name: 'triage', types: ['soc.alert.enriched.v1'] };
  const base = "(targetsubscription IS NULL AND type IN ('soc.alert.enriched.v1')) OR targetsubscription = 'triage'";

  it('keeps the bare name for the normal lane and suffixes the others', () => {
    expect(laneSubscriptions(triage).map((l) => [l.name, l.priority, l.lane])).toEqual([
      ['triage.critical', 'critical', 0],
      ['triage.high', 'high', 1],
      ['triage', 'normal', 2],
      ['triage.low', 'low', 3],
    ]);
    expect(laneSubscriptionName('case-view', 'low')).toBe('case-view.low');
  });

  it("adds the lane's priority to the subscription's own filter; normal also takes a missing or unknown priority", () => {
    expect(laneFilterSql(triage, 'critical')).toBe(`(${base}) AND priority = 'critical'`);
    expect(laneFilterSql(triage, 'low')).toBe(`(${base}) AND priority = 'low'`);
    expect(laneFilterSql(triage, 'normal')).toBe(
      `(${base}) AND (priority IS NULL OR priority NOT IN ('critical', 'high', 'low'))`,
    );
    expect(laneSubscriptions(triage).map((l) => l.filter)).toEqual(
      (['critical', 'high', 'normal', 'low'] as const).map((p) => laneFilterSql(triage, p)),
    );
  });

  it('refuses names that could collide with a lane or exceed 50 characters on Service Bus', () => {
    expect(() => laneSubscriptions({ name: 'triage.v2', types: [] })).toThrow(/reserves for lane subscriptions/);
    expect(() => laneSubscriptions({ name: 'x'.repeat(42), types: [] })).toThrow(
      expect.objectContaining({ code: ErrorCode.CONFIGURATION_INVALID, retryable: false }),
    );
    expect(laneSubscriptions({ name: 'x'.repeat(41), types: [] })[0]?.name).toHaveLength(50);
  });
});

const NOW = Date.parse('2026-12-07T05:00:00.000Z');

describe('toServiceBusMessage', () => {
  it('uses the event id as messageId, the CloudEvent as body and mirrors routing attributes', () => {
    const cause = sampleAlertReceived(1, { run: 'sb' });
    const event = sampleAlertEnriched(cause);
    expect(toServiceBusMessage(event, NOW)).toEqual({
      messageId: event.id,
      body: event,
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      correlationId: cause.correlationid,
      subject: 'soc.alert.enriched.v1',
      applicationProperties: {
        type: 'soc.alert.enriched.v1',
        correlationid: cause.correlationid,
        causationid: cause.id,
        tenantid: 'tenant-a',
        priority: 'normal',
      },
    });
    expect(toServiceBusMessage(cause, NOW).applicationProperties).not.toHaveProperty('causationid');
  });

  it("mirrors the envelope's priority, which the lane rules filter on", () => {
    const critical = sampleAlertReceived(2, { run: 'sb', priority: 'critical' });
    expect(toServiceBusMessage(critical, NOW).applicationProperties).toMatchObject({ priority: 'critical' });
    expect(toServiceBusMessage(sampleAlertEnriched(critical), NOW).applicationProperties).toMatchObject({
      priority: 'critical',
    });
  });
});

describe('toServiceBusMessage with deliverat', () => {
  const at = (iso: string) => ({ ...sampleAlertReceived(3, { run: 'sb' }), deliverat: iso });

  it('schedules the message for a deliverat ahead: scheduledEnqueueTimeUtc, which the broker holds it until', () => {
    expect(toServiceBusMessage(at('2026-12-07T05:30:00.000Z'), NOW).scheduledEnqueueTimeUtc).toEqual(
      new Date('2026-12-07T05:30:00.000Z'),
    );
  });

  it('sends a message whose deliverat has passed (or is now) as an ordinary one, delivered at once', () => {
    expect(toServiceBusMessage(at('2026-12-07T04:59:59.000Z'), NOW)).not.toHaveProperty('scheduledEnqueueTimeUtc');
    expect(toServiceBusMessage(at('2026-12-07T05:00:00.000Z'), NOW)).not.toHaveProperty('scheduledEnqueueTimeUtc');
    expect(toServiceBusMessage(sampleAlertReceived(4, { run: 'sb' }), NOW)).not.toHaveProperty('scheduledEnqueueTimeUtc');
  });
});

describe('toReplayMessage', () => {
  it('keeps body and properties, drops dead-letter properties, aims at the subscription with a new id', () => {
    const dead = {
      messageId: 'evt-1',
      body: { hello: 'world' },
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      correlationId: 'c-1',
      applicationProperties: {
        type: 'soc.alert.received.v1',
        DeadLetterReason: 'X',
        DeadLetterErrorDescription: 'Y',
        deadletteredat: 'Z',
      },
    } as unknown as ServiceBusReceivedMessage;
    expect(toReplayMessage(dead, 'triage', 'evt-1:replay:1')).toEqual({
      messageId: 'evt-1:replay:1',
      body: { hello: 'world' },
      contentType: CLOUDEVENTS_CONTENT_TYPE,
      correlationId: 'c-1',
      applicationProperties: { type: 'soc.alert.received.v1', targetsubscription: 'triage' },
    });
  });
});

describe('body and delivery count', () => {
  it('decodes bytes and text that hold JSON and passes anything else on as text', () => {
    expect(decodeServiceBusBody(Buffer.from('{"a":1}'))).toEqual({ a: 1 });
    expect(decodeServiceBusBody('{"a":1}')).toEqual({ a: 1 });
    expect(decodeServiceBusBody(Buffer.from('nope {'))).toBe('nope {');
    expect(decodeServiceBusBody({ a: 1 })).toEqual({ a: 1 });
  });

  it('turns the raw AMQP count of prior attempts into a 1-based delivery count', () => {
    expect(deliveryCountOf({ deliveryCount: 0 })).toBe(1);
    expect(deliveryCountOf({ deliveryCount: 4 })).toBe(5);
    expect(deliveryCountOf({ deliveryCount: undefined })).toBe(1);
  });

  it('clamps lock durations to what Service Bus accepts', () => {
    expect(lockDurationIso(30_000)).toBe('PT30S');
    expect(lockDurationIso(100)).toBe('PT5S');
    expect(lockDurationIso(3_600_000)).toBe('PT300S');
  });
});

describe('translateServiceBusError', () => {
  it('marks transient codes retryable and permanent ones not', () => {
    expect(translateServiceBusError(new ServiceBusError('busy', 'ServiceBusy'), 'send')).toMatchObject({
      code: 'RATE_LIMITED',
      retryable: true,
    });
    expect(translateServiceBusError(new ServiceBusError('t', 'ServiceTimeout'), 'send')).toMatchObject({
      code: 'TIMEOUT',
      retryable: true,
    });
    expect(translateServiceBusError(new ServiceBusError('n', 'ServiceCommunicationProblem'), 'send')).toMatchObject({
      retryable: true,
    });
    expect(translateServiceBusError(new ServiceBusError('gone', 'MessagingEntityNotFound'), 'send')).toMatchObject({
      code: 'NOT_FOUND',
      retryable: false,
    });
    expect(translateServiceBusError(new ServiceBusError('no', 'UnauthorizedAccess'), 'send')).toMatchObject({
      code: 'UNAUTHORIZED',
      retryable: false,
    });
    expect(translateServiceBusError(new ServiceBusError('big', 'MessageSizeExceeded'), 'send')).toMatchObject({
      code: 'PAYLOAD_TOO_LARGE',
      retryable: false,
    });
  });

  it('names the action, keeps the cause and leaves AppErrors alone', () => {
    const original = new ServiceBusError('busy', 'ServiceBusy');
    const translated = translateServiceBusError(original, 'send to soc-events');
    expect(translated.message).toBe('Service Bus could not send to soc-events: ServiceBusy: busy');
    expect(translated.cause).toBe(original);
    expect(translateServiceBusError(translated, 'again')).toBe(translated);
    expect(translateServiceBusError(Object.assign(new Error('x'), { retryable: false }), 'a')).toMatchObject({
      retryable: false,
    });
  });

  it('recognises a lost lock, raw or translated', () => {
    const lost = new ServiceBusError('lost', 'MessageLockLost');
    expect(isLockLost(lost)).toBe(true);
    expect(isLockLost(translateServiceBusError(lost, 'complete'))).toBe(true);
    expect(isLockLost(new ServiceBusError('busy', 'ServiceBusy'))).toBe(false);
  });
});

describe('serviceBusEmulatorConfig', () => {
  it('declares the topic with duplicate detection and one subscription with one SQL rule per lane', () => {
    const config = serviceBusEmulatorConfig(
      'soc-events',
      [{ name: 'triage', types: ['soc.alert.enriched.v1'] }],
      DEFAULT_RETRY_POLICY,
    ) as {
      UserConfig: {
        Namespaces: {
          Name: string;
          Topics: {
            Name: string;
            Properties: object;
            Subscriptions: { Name: string; Properties: object; Rules: object[] }[];
          }[];
        }[];
      };
    };
    const ns = config.UserConfig.Namespaces[0];
    expect(ns?.Name).toBe('sbemulatorns');
    const topic = ns?.Topics[0];
    expect(topic).toMatchObject({ Name: 'soc-events', Properties: { RequiresDuplicateDetection: true } });
    const triage: SubscriptionSpec = { name: 'triage', types: ['soc.alert.enriched.v1'] };
    expect(topic?.Subscriptions.map((s) => s.Name)).toEqual(['triage.critical', 'triage.high', 'triage', 'triage.low']);
    expect(topic?.Subscriptions[2]).toMatchObject({
      Name: 'triage',
      Properties: { LockDuration: 'PT30S', MaxDeliveryCount: 5 },
      Rules: [
        {
          Name: 'soc-types',
          Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: laneFilterSql(triage, 'normal') } },
        },
      ],
    });
    expect(topic?.Subscriptions[0]?.Rules).toEqual([
      {
        Name: 'soc-types',
        Properties: { FilterType: 'Sql', SqlFilter: { SqlExpression: laneFilterSql(triage, 'critical') } },
      },
    ]);
  });
});
