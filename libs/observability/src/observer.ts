import type { BusObserver } from '@soc/bus';
import type { Logger } from './logger.ts';
import { messageContextOf, withMessageContext } from './message-context.ts';
import type { SocMetrics } from './metrics.ts';
import { stampTraceContext, startConsumerSpan } from './tracing.ts';

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
export function createBusObserver({ logger, metrics }: BusObserverOptions): BusObserver {
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
