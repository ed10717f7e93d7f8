import { causedBy, parseEvent, ProcessingFailedV1, type SocEvent } from '@soc/contracts';
import { AppError, describeError, ErrorCode, isAppError } from '@soc/runtime';
import type { ResolvedBusDeps } from './deps.ts';
import type { DeadLetter, DeliveryInfo, EventHandler, RetryPolicy } from './port.ts';
import { retryDelayMs } from './retry-policy.ts';
import { validateEvents } from './validation.ts';

/**
 * The one settlement policy of the platform (STYLE §15). Adapters only *apply* a {@link Settlement}; what it is
 * (complete, retry with backoff, dead-letter with which reason, which events go out with it) is decided here,
 * so MemoryBus, SqliteBus and ServiceBusBus cannot drift apart.
 */

/** Dead-letter reason when a message failed on every one of its allowed deliveries. */
export const MAX_DELIVERY_COUNT_EXCEEDED = 'MaxDeliveryCountExceeded';

/** CloudEvents `source` of the events the bus itself emits (`soc.processing.failed.v1`). */
export const BUS_EVENT_SOURCE = '/soc/bus';

/** A delivery as an adapter hands it to the settlement policy. */
export interface ReceivedMessage {
  readonly messageId: string;
  /** The body as received: possibly invalid, hence unknown. */
  readonly body: unknown;
  /**
   * The event when this process already validated this very body (it published it): skips a second
   * `parseEvent` of the same bytes on an in-process hop. Undefined means "validate `body`".
   */
  readonly event: SocEvent | undefined;
  /** 1 on the first delivery. */
  readonly deliveryCount: number;
}

/** What to do with a delivery. Every `emit` event is already stamped and validated. */
export type Settlement =
  | { readonly kind: 'complete'; readonly emit: readonly SocEvent[] }
  | { readonly kind: 'retry'; readonly delayMs: number; readonly error: unknown }
  | {
      readonly kind: 'dead-letter';
      readonly reason: string;
      readonly description: string;
      /** `soc.processing.failed.v1` when the message was a known event; publish atomically with the dead letter where possible. */
      readonly emit: readonly SocEvent[];
      readonly error: unknown;
    };

/** The settlement decided for a delivery, and the event it carried when it parsed. */
export interface Decision {
  readonly event: SocEvent | undefined;
  readonly settlement: Settlement;
}

/** What an adapter reports after applying a settlement. */
export type SettleResult =
  | { readonly kind: 'settled'; readonly deadLetter?: DeadLetter }
  /** The lock expired (or was taken over) before settlement: the broker will redeliver; nothing was applied. */
  | { readonly kind: 'lock-lost' };

/** Everything the policy needs about the consumer. */
export interface SettlementContext {
  readonly subscription: string;
  readonly handler: EventHandler;
  readonly policy: RetryPolicy;
  readonly deps: ResolvedBusDeps;
}

/**
 * Validates a delivery, runs the handler inside `observer.around` and decides its settlement. Never throws:
 * every failure becomes a retry or a dead letter.
 */
export async function decideSettlement(
  ctx: SettlementContext,
  message: ReceivedMessage,
  info: DeliveryInfo,
): Promise<Decision> {
  let event = message.event;
  if (event === undefined) {
    const parsed = parseEvent(message.body);
    if (!parsed.ok) {
      // Unparsed messages get no processing.failed event: there is no trustworthy correlation id to attach it to.
      return {
        event: undefined,
        settlement: {
          kind: 'dead-letter',
          reason: parsed.reason,
          description: parsed.description,
          emit: [],
          error: undefined,
        },
      };
    }
    event = parsed.event;
  }
  if (message.deliveryCount > ctx.policy.maxDeliveryCount) {
    // Delivered more often than allowed without a settlement: its consumers crashed or overran their lock.
    // Running it again would risk crashing the next consumer too.
    const description = `Delivered ${message.deliveryCount} times without being settled (consumer crashed or its lock expired); the limit is ${ctx.policy.maxDeliveryCount}.`;
    return {
      event,
      settlement: deadLetterOf(ctx, event, message.deliveryCount, MAX_DELIVERY_COUNT_EXCEEDED, description, undefined),
    };
  }
  const { observer } = ctx.deps;
  const cause = event;
  try {
    const emitted = await observer.around(ctx.subscription, cause, async () => {
      const outcome = await ctx.handler(cause, info);
      return outcome.emit.map((e) => observer.stamp(e));
    });
    return { event, settlement: { kind: 'complete', emit: validateEmitted(emitted, ctx.deps.clock.now().getTime()) } };
  } catch (error) {
    return { event, settlement: failureSettlement(ctx, event, message.deliveryCount, error) };
  }
}

function validateEmitted(events: readonly SocEvent[], now: number): readonly SocEvent[] {
  if (events.length === 0) return events;
  try {
    return validateEvents(events, now);
  } catch (error) {
    // A handler that emits an invalid event has a bug; a retry would produce the same event again.
    throw new AppError(
      ErrorCode.VALIDATION_FAILED,
      `The handler emitted an invalid event: ${(error as Error).message}`,
      {
        retryable: false,
        cause: error,
      },
    );
  }
}

/**
 * What becomes of a completed delivery whose outcome events the adapter could not store: an event over the bus's
 * size limit (PAYLOAD_TOO_LARGE) can never be stored, so the delivery is dead-lettered now with that reason, as a
 * handler's non-retryable failure would be; anything else (an outage, a revoked role, a closed bus) is left to the
 * lock (undefined), which redelivers it.
 */
export function settlementAfterEmitFailure(ctx: SettlementContext, decision: Decision, deliveryCount: number, error: unknown): Settlement | undefined {
  if (decision.settlement.kind !== 'complete' || decision.event === undefined) return undefined;
  if (!isAppError(error) || error.retryable || error.code !== ErrorCode.PAYLOAD_TOO_LARGE) return undefined;
  return failureSettlement(ctx, decision.event, deliveryCount, error);
}

/**
 * Applies a decision with the adapter's `apply`; when its outcome events cannot be stored
 * ({@link settlementAfterEmitFailure}), applies that dead letter instead. Any other failure is thrown as it came.
 * Returns the settlement that was applied, for `reportSettlement`.
 */
export async function applySettlement<R>(
  ctx: SettlementContext,
  decision: Decision,
  deliveryCount: number,
  apply: (settlement: Settlement) => Promise<R>,
): Promise<{ settlement: Settlement; result: R }> {
  try {
    return { settlement: decision.settlement, result: await apply(decision.settlement) };
  } catch (error) {
    const instead = settlementAfterEmitFailure(ctx, decision, deliveryCount, error);
    if (instead === undefined) throw error;
    return { settlement: instead, result: await apply(instead) };
  }
}

/** Turns a handler failure into a retry or a dead letter according to the error's retry verdict and the delivery count. */
export function failureSettlement(
  ctx: SettlementContext,
  event: SocEvent,
  deliveryCount: number,
  error: unknown,
): Settlement {
  if (isAppError(error) && !error.retryable) {
    return deadLetterOf(ctx, event, deliveryCount, error.code, error.message, error);
  }
  if (deliveryCount >= ctx.policy.maxDeliveryCount) {
    const description = `Failed on all ${deliveryCount} deliveries; last error: ${describeError(error)}`;
    return deadLetterOf(ctx, event, deliveryCount, MAX_DELIVERY_COUNT_EXCEEDED, description, error);
  }
  return { kind: 'retry', delayMs: Math.max(retryDelayMs(ctx.policy, deliveryCount, ctx.deps.random), retryAfterMsOf(ctx.policy, error)), error };
}

/**
 * The wait a dependency asked for (an AppError's `details.retryAfterSeconds`, from its Retry-After), capped at the
 * policy's `maxBackoffMs`; 0 when none was asked. The backoff is never shortened by it.
 */
function retryAfterMsOf(policy: RetryPolicy, error: unknown): number {
  const seconds = isAppError(error) ? error.details?.retryAfterSeconds : undefined;
  if (typeof seconds !== 'number' || !Number.isFinite(seconds) || seconds <= 0) return 0;
  return Math.min(policy.maxBackoffMs, seconds * 1000);
}

function deadLetterOf(
  ctx: SettlementContext,
  event: SocEvent,
  deliveryCount: number,
  reason: string,
  description: string,
  error: unknown,
): Settlement {
  return {
    kind: 'dead-letter',
    reason,
    description,
    emit: processingFailedFor(ctx, event, deliveryCount, reason, description),
    error,
  };
}

/**
 * The `soc.processing.failed.v1` that tells the case where a journey stopped. Its id derives from the failed
 * event and the subscription, so a redelivered failure publishes nothing new; none is emitted for a failed
 * processing.failed itself, which would loop.
 */
export function processingFailedFor(
  ctx: Pick<SettlementContext, 'subscription' | 'deps'>,
  event: SocEvent,
  deliveryCount: number,
  reason: string,
  description: string,
): readonly SocEvent[] {
  if (event.type === ProcessingFailedV1.type) return [];
  const alertId = alertIdOf(event);
  const failed = causedBy(
    event,
    ProcessingFailedV1,
    {
      subscription: ctx.subscription,
      failedEventId: event.id,
      failedEventType: event.type,
      ...(alertId === undefined ? {} : { alertId }),
      reason: reason.slice(0, 256),
      description: description.slice(0, 4096),
      deliveryCount,
    },
    { source: BUS_EVENT_SOURCE, time: ctx.deps.clock.now(), key: ctx.subscription },
  );
  try {
    return validateEvents([ctx.deps.observer.stamp(failed)], ctx.deps.clock.now().getTime());
  } catch (error) {
    // Losing the notification must not block the dead letter itself: the DLQ entry still records the failure.
    ctx.deps.logger.error(
      { err: error, eventId: event.id, correlationid: event.correlationid },
      'could not build soc.processing.failed.v1',
    );
    return [];
  }
}

function alertIdOf(event: SocEvent): string | undefined {
  const data = event.data as { alertId?: unknown; alert?: { alertId?: unknown } };
  if (typeof data.alertId === 'string') return data.alertId;
  if (typeof data.alert?.alertId === 'string') return data.alert.alertId;
  return undefined;
}

/** Fields of a {@link DeadLetter} an adapter knows once it has stored one. */
export interface DeadLetterFields {
  readonly id: string;
  readonly subscription: string;
  readonly messageId: string;
  readonly body: unknown;
  readonly event: SocEvent | undefined;
  readonly reason: string;
  readonly description: string;
  readonly deliveryCount: number;
  readonly deadLetteredAt: string;
}

/** Builds the operator view of a dead letter; type and correlation id come from the body even when it did not parse. */
export function buildDeadLetter(f: DeadLetterFields): DeadLetter {
  const raw = (typeof f.body === 'object' && f.body !== null ? f.body : {}) as {
    type?: unknown;
    correlationid?: unknown;
  };
  const type = f.event?.type ?? (typeof raw.type === 'string' ? raw.type : 'unknown');
  const correlationId =
    f.event?.correlationid ?? (typeof raw.correlationid === 'string' ? raw.correlationid : undefined);
  return {
    id: f.id,
    subscription: f.subscription,
    messageId: f.messageId,
    type,
    correlationId,
    reason: f.reason,
    description: f.description,
    deliveryCount: f.deliveryCount,
    deadLetteredAt: f.deadLetteredAt,
    body: f.event ?? f.body,
  };
}

/** One settled (or failed-to-settle) delivery, for {@link reportSettlement}. */
export interface SettlementReport {
  readonly subscription: string;
  readonly messageId: string;
  readonly event: SocEvent | undefined;
  readonly deliveryCount: number;
  /** `performance.now()` when processing began: durations use the monotonic clock, not the (maybe manual) business clock. */
  readonly startedAt: number;
  readonly settlement: Settlement;
  /** The adapter's result, or the error that kept it from settling (the broker redelivers after the lock). */
  readonly outcome: SettleResult | { readonly kind: 'failed'; readonly error: unknown };
}

/**
 * Tells the observer (and, for anything abnormal, the logger) how a delivery ended. Observer faults are
 * logged, never thrown into the consumer loop.
 */
export function reportSettlement(deps: ResolvedBusDeps, r: SettlementReport): void {
  const { observer, logger } = deps;
  const ids = {
    subscription: r.subscription,
    messageId: r.messageId,
    eventType: r.event?.type,
    correlationid: r.event?.correlationid,
    causationid: r.event?.causationid,
  };
  let result: 'completed' | 'retried' | 'dead-lettered';
  let error: unknown;
  switch (r.outcome.kind) {
    case 'failed':
      result = 'retried';
      error = r.outcome.error;
      logger.error(
        { ...ids, err: r.outcome.error },
        'settlement failed; the message will be redelivered when its lock expires',
      );
      break;
    case 'lock-lost':
      result = 'retried';
      error = new AppError(ErrorCode.CONFLICT, 'The message lock was lost before settlement; it is redelivered', {
        retryable: true,
      });
      logger.warn(
        { ...ids, settlement: r.settlement.kind },
        'message lock lost before settlement; it will be redelivered',
      );
      break;
    case 'settled': {
      const s = r.settlement;
      result = s.kind === 'complete' ? 'completed' : s.kind === 'retry' ? 'retried' : 'dead-lettered';
      error = s.kind === 'complete' ? undefined : s.error;
      if (r.outcome.deadLetter !== undefined) {
        const dl = r.outcome.deadLetter;
        safely(deps, () => observer.deadLettered(dl));
      }
      break;
    }
    default:
      return assertNever(r.outcome);
  }
  const event = r.event;
  if (event === undefined) return;
  const durationMs = performance.now() - r.startedAt;
  safely(deps, () =>
    observer.handled({
      subscription: r.subscription,
      event,
      deliveryCount: r.deliveryCount,
      durationMs,
      result,
      ...(error === undefined ? {} : { error }),
    }),
  );
}

function safely(deps: ResolvedBusDeps, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    deps.logger.error({ err: error }, 'bus observer hook threw');
  }
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}
