import type { EventByType, SocEventType } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';
import type { DeliveryInfo, EventHandler, HandlerOutcome } from './port.ts';

/** Typed handlers for some event types. */
export type HandlerTable = {
  [T in SocEventType]?: (event: EventByType<T>, delivery: DeliveryInfo) => Promise<HandlerOutcome> | HandlerOutcome;
};

/**
 * Routes each event to the handler for its type. A type with no handler means the subscription filter and
 * the service disagree: the message is dead-lettered (non-retryable) rather than silently dropped.
 */
export function dispatch(service: string, table: HandlerTable): EventHandler {
  return async (event, delivery) => {
    const handle = table[event.type] as
      ((e: typeof event, d: DeliveryInfo) => Promise<HandlerOutcome> | HandlerOutcome) | undefined;
    if (!handle) {
      throw new AppError(
        ErrorCode.VALIDATION_FAILED,
        `${service} has no handler for ${event.type}; fix the subscription filter of "${delivery.subscription}"`,
        { retryable: false },
      );
    }
    return handle(event, delivery);
  };
}

/** The outcome of a handler that publishes nothing. */
export const NOTHING: HandlerOutcome = { emit: [] };
