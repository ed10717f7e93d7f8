import { ServiceBusError, type ServiceBusReceivedMessage } from '@azure/service-bus';
import { describe, expect, it } from 'vitest';
import {
  CLOUDEVENTS_CONTENT_TYPE,
  decodeServiceBusBody,
  deliveryCountOf,
  isLockLost,
  lockDurationIso,
  serviceBusEmulatorConfig,
  subscriptionFilterSql,
  toReplayMessage,
  toServiceBusMessage,
  translateServiceBusError,
  DEFAULT_RETRY_POLICY,
} from '@soc/bus';
import { sampleAlertEnriched, sampleAlertReceived } from '@soc/bus/testing';

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

describe('toServiceBusMessage', () => {
  it('uses the event id as messageId, the CloudEvent as body and mirrors routing attributes', () => {
    const cause = sampleAlertReceived(1, { run: 'sb' });
    const event = sampleAlertEnriched(cause);
    expect(toServiceBusMessage(event)).toEqual({
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
      },
    });
    expect(toServiceBusMessage(cause).applicationProperties).not.toHaveProperty('causationid');
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
  it('declares the topic with duplicate detection and one SQL rule per subscription', () => {
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
    expect(topic?.Subscriptions[0]).toMatchObject({
      Name: 'triage',
      Properties: { LockDuration: 'PT30S', MaxDeliveryCount: 5 },
      Rules: [
        {
          Name: 'soc-types',
          Properties: {
            FilterType: 'Sql',
            SqlFilter: { SqlExpression: subscriptionFilterSql({ name: 'triage', types: ['soc.alert.enriched.v1'] }) },
          },
        },
      ],
    });
  });
});
