import type { Logger } from './logger.ts';
import { messageContextOf, withMessageContext, type ObservedEvent } from './message-context.ts';
import type { ProcessedResult, SocMetrics } from './metrics.ts';
import { stampTraceContext, startConsumerSpan, type TraceCarrier } from './tracing.ts';

/** One settled delivery; structurally the bus's `HandledDelivery`. */
export interface ObservedDelivery {
  readonly subscription: string;
  readonly event: ObservedEvent;
  readonly deliveryCount: number;
  readonly durationMs: number;
  readonly result: ProcessedResult;
  readonly error?: unknown;
}

/** One dead letter; the subset of the bus's `DeadLetter` worth a log line (never the body). */
export interface ObservedDeadLetter {
  readonly id: string;
  readonly subscription: string;
  readonly messageId: string;
  readonly type: string;
  readonly correlationId: string | undefined;
  readonly reason: string;
  readonly description: string;
  readonly deliveryCount: number;
}

/**
 * The bus observer, declared here by shape because `@soc/bus` depends on this package; it is assignable to the
 * bus's `BusObserver`, so the composition root passes it straight to the bus adapter.
 */
export interface EventObserver {
  around<T>(subscription: string, event: ObservedEvent, fn: () => Promise<T>): Promise<T>;
  handled(delivery: ObservedDelivery): void;
  deadLettered(deadLetter: ObservedDeadLetter): void;
  stamp<E extends ObservedEvent>(event: E): E & TraceCarrier;
}

/** Options of {@link createBusObserver}. */
export interface BusObserverOptions {
  readonly logger: Logger;
  readonly metrics: SocMetrics;
}

/**
 * Creates the observer that gives every delivery its log context and consumer span (`around`), one log line and
 * metrics per settlement (`handled`), a warning and a metric per dead letter (`deadLettered`), and trace context
 * on every published event (`stamp`).
 */
export function createBusObserver({ logger, metrics }: BusObserverOptions): EventObserver {
  const service = metrics.service;
  return {
    around: (subscription, event, fn) =>
      withMessageContext(messageContextOf(subscription, event), () => startConsumerSpan(subscription, event, fn)),

    handled(delivery) {
      const { subscription, event, result, durationMs } = delivery;
      metrics.eventsProcessed.inc({ service, subscription, type: event.type, result });
      metrics.handlerDuration.observe({ service, subscription, type: event.type }, durationMs / 1000);
      // `handled` may run after `around` returned, so the message fields are passed explicitly.
      const fields = {
        ...messageContextOf(subscription, event),
        outcome: result,
        durationMs: Math.round(durationMs * 1000) / 1000,
        deliveryCount: delivery.deliveryCount,
        ...(delivery.error === undefined ? {} : { err: delivery.error }),
      };
      if (result === 'completed') logger.info(fields, 'message handled');
      else
        logger.warn(fields, result === 'retried' ? 'message handling failed; will retry' : 'message handling failed');
    },

    deadLettered(deadLetter) {
      metrics.eventsDeadLettered.inc({ service, subscription: deadLetter.subscription, reason: deadLetter.reason });
      // The body is never logged: it may be invalid, oversized or carry alert data the log store must not hold.
      logger.warn(
        {
          subscription: deadLetter.subscription,
          eventId: deadLetter.messageId,
          eventType: deadLetter.type,
          ...(deadLetter.correlationId === undefined ? {} : { correlationid: deadLetter.correlationId }),
          deadLetterId: deadLetter.id,
          reason: deadLetter.reason,
          description: deadLetter.description,
          deliveryCount: deadLetter.deliveryCount,
        },
        'message dead-lettered',
      );
    },

    stamp: (event) => stampTraceContext(event),
  };
}
