import type { SocEvent } from '@soc/contracts';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import {
  applySettlement,
  buildDeadLetter,
  decideSettlement,
  MAX_DELIVERY_COUNT_EXCEEDED,
  NOOP_OBSERVER,
  resolveBusDeps,
  type BusObserver,
  type DeliveryInfo,
  type EventHandler,
  type RetryPolicy,
  type SettlementContext,
} from '@soc/bus';
import { sampleAlertEnriched, sampleAlertReceived } from '@soc/bus/testing';

const policy: RetryPolicy = { maxDeliveryCount: 3, initialBackoffMs: 100, maxBackoffMs: 1_000, lockDurationMs: 1_000 };
const received = sampleAlertReceived(1, { run: 'unit' });

function ctx(handler: EventHandler, observer: BusObserver = NOOP_OBSERVER): SettlementContext {
  return {
    subscription: 'enrichment',
    handler,
    policy,
    deps: resolveBusDeps({ observer, clock: manualClock(), random: () => 0.5 }),
  };
}
const info = (deliveryCount: number): DeliveryInfo => ({
  subscription: 'enrichment',
  deliveryCount,
  signal: new AbortController().signal,
});
const message = (deliveryCount: number, body: unknown = received) => ({
  messageId: 'm-1',
  body,
  event: undefined,
  deliveryCount,
});

describe('decideSettlement', () => {
  it('completes with the stamped, validated outcome events', async () => {
    const stamped: string[] = [];
    const observer: BusObserver = {
      ...NOOP_OBSERVER,
      stamp: (e) => (stamped.push(e.id), { ...e, tracestate: 'soc=1' }),
    };
    const outcome = sampleAlertEnriched(received);
    const d = await decideSettlement(
      ctx(async () => ({ emit: [outcome] }), observer),
      message(1),
      info(1),
    );
    expect(d.settlement).toMatchObject({ kind: 'complete', emit: [{ id: outcome.id, tracestate: 'soc=1' }] });
    expect(stamped).toEqual([outcome.id]);
    expect(d.event?.id).toBe(received.id);
  });

  it('dead-letters an invalid body with the rejection reason and no processing.failed', async () => {
    let called = false;
    const d = await decideSettlement(
      ctx(async () => ((called = true), { emit: [] })),
      message(1, { ...received, data: {} }),
      info(1),
    );
    expect(d.settlement).toMatchObject({ kind: 'dead-letter', reason: 'SchemaValidationFailed', emit: [] });
    expect(d.event).toBeUndefined();
    expect(called).toBe(false);
  });

  it('dead-letters a non-retryable AppError at once with its code, and emits soc.processing.failed.v1 caused by the input', async () => {
    const d = await decideSettlement(
      ctx(async () => {
        throw new AppError(ErrorCode.POLICY_VIOLATION, 'not allowed', { retryable: false });
      }),
      message(1),
      info(1),
    );
    expect(d.settlement).toMatchObject({ kind: 'dead-letter', reason: 'POLICY_VIOLATION', description: 'not allowed' });
    const [failed] = d.settlement.kind === 'dead-letter' ? d.settlement.emit : [];
    expect(failed).toMatchObject({
      type: 'soc.processing.failed.v1',
      source: '/soc/bus',
      causationid: received.id,
      correlationid: received.correlationid,
      data: {
        subscription: 'enrichment',
        failedEventId: received.id,
        alertId: received.data.alert.alertId,
        reason: 'POLICY_VIOLATION',
        deliveryCount: 1,
      },
    });
  });

  it('retries retryable and unknown errors with backoff before the last delivery', async () => {
    for (const error of [new AppError(ErrorCode.TIMEOUT, 'slow', { retryable: true }), new Error('boom'), 'a string']) {
      const d = await decideSettlement(
        ctx(async () => {
          throw error;
        }),
        message(2),
        info(2),
      );
      expect(d.settlement).toEqual({ kind: 'retry', delayMs: 200, error });
    }
  });

  it('waits at least the Retry-After a retryable error carries, capped at maxBackoffMs, never less than the backoff', async () => {
    const after = (retryAfterSeconds: number) =>
      new AppError(ErrorCode.RATE_LIMITED, 'slow down', { retryable: true, details: { retryAfterSeconds } });
    const delays: number[] = [];
    for (const error of [after(0.5), after(60), after(0.01)]) {
      const d = await decideSettlement(ctx(async () => { throw error; }), message(2), info(2));
      delays.push(d.settlement.kind === 'retry' ? d.settlement.delayMs : -1);
    }
    expect(delays).toEqual([500, 1_000, 200]);
  });

  it('dead-letters with MaxDeliveryCountExceeded and the last error on the last delivery', async () => {
    const d = await decideSettlement(
      ctx(async () => {
        throw new Error('still down');
      }),
      message(3),
      info(3),
    );
    expect(d.settlement).toMatchObject({ kind: 'dead-letter', reason: MAX_DELIVERY_COUNT_EXCEEDED });
    expect(d.settlement.kind === 'dead-letter' && d.settlement.description).toContain('Error: still down');
  });

  it('dead-letters without running the handler when locks expired more often than allowed', async () => {
    let called = false;
    const d = await decideSettlement(
      ctx(async () => ((called = true), { emit: [] })),
      message(4),
      info(4),
    );
    expect(d.settlement).toMatchObject({ kind: 'dead-letter', reason: MAX_DELIVERY_COUNT_EXCEEDED });
    expect(called).toBe(false);
  });

  it('treats an invalid emitted event as a handler bug: dead-letter VALIDATION_FAILED, no retry', async () => {
    const bad = { ...sampleAlertEnriched(received), data: { alert: null } } as unknown as SocEvent;
    const d = await decideSettlement(
      ctx(async () => ({ emit: [bad] })),
      message(1),
      info(1),
    );
    expect(d.settlement).toMatchObject({ kind: 'dead-letter', reason: 'VALIDATION_FAILED' });
  });

  it('emits no processing.failed for a failed processing.failed', async () => {
    const first = await decideSettlement(
      ctx(async () => {
        throw new AppError(ErrorCode.INTERNAL, 'x', { retryable: false });
      }),
      message(1),
      info(1),
    );
    const failed = first.settlement.kind === 'dead-letter' ? first.settlement.emit[0] : undefined;
    const second = await decideSettlement(
      ctx(async () => {
        throw new AppError(ErrorCode.INTERNAL, 'y', { retryable: false });
      }),
      message(1, failed),
      info(1),
    );
    expect(second.settlement).toMatchObject({ kind: 'dead-letter', emit: [] });
  });

  it('runs the handler inside observer.around and turns an observer failure into a retry', async () => {
    const order: string[] = [];
    const observer: BusObserver = {
      ...NOOP_OBSERVER,
      around: async (_s, _e, fn) => {
        order.push('before');
        const r = await fn();
        order.push('after');
        return r;
      },
    };
    await decideSettlement(
      ctx(async () => (order.push('handler'), { emit: [] }), observer),
      message(1),
      info(1),
    );
    expect(order).toEqual(['before', 'handler', 'after']);
    const throwing: BusObserver = { ...NOOP_OBSERVER, around: async () => Promise.reject(new Error('tracer broke')) };
    const d = await decideSettlement(
      ctx(async () => ({ emit: [] }), throwing),
      message(1),
      info(1),
    );
    expect(d.settlement.kind).toBe('retry');
  });
});

describe('buildDeadLetter', () => {
  it('takes type and correlation id from a raw body that did not parse', () => {
    const dl = buildDeadLetter({
      id: 's/m',
      subscription: 's',
      messageId: 'm',
      body: { type: 'soc.x.v9', correlationid: 'c-1' },
      event: undefined,
      reason: 'UnknownEventType',
      description: 'd',
      deliveryCount: 1,
      deadLetteredAt: '2026-01-01T00:00:00.000Z',
    });
    expect(dl).toMatchObject({ type: 'soc.x.v9', correlationId: 'c-1' });
    expect(buildDeadLetter({ ...dl, body: 'not json', event: undefined })).toMatchObject({
      type: 'unknown',
      correlationId: undefined,
    });
  });
});

describe('applySettlement: outcome events the adapter cannot store', () => {
  const complete = { event: received as SocEvent, settlement: { kind: 'complete' as const, emit: [] } };
  const c = ctx(async () => ({ emit: [] }));
  const refusing = (error: unknown) => async (s: { kind: string }) => {
    if (s.kind === 'complete') throw error;
    return s.kind;
  };

  it('dead-letters at once an event too large for the bus, with its code', async () => {
    const tooLarge = new AppError(ErrorCode.PAYLOAD_TOO_LARGE, 'Event e is 300000 bytes', { retryable: false });
    const { settlement, result } = await applySettlement(c, complete, 1, refusing(tooLarge));
    expect(result).toBe('dead-letter');
    expect(settlement).toMatchObject({ kind: 'dead-letter', reason: 'PAYLOAD_TOO_LARGE', description: 'Event e is 300000 bytes' });
  });

  it('leaves any other failure to the lock, non-retryable or not (a revoked role, a closed bus)', async () => {
    for (const error of [
      new AppError(ErrorCode.UNAUTHORIZED, 'UnauthorizedAccess', { retryable: false }),
      new AppError(ErrorCode.PRECONDITION_FAILED, 'The bus is closed', { retryable: false }),
      new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'busy', { retryable: true }),
    ]) {
      await expect(applySettlement(c, complete, 1, refusing(error))).rejects.toBe(error);
    }
  });
});
