export { DEFAULT_RETRY_POLICY, NOOP_OBSERVER } from './port.ts';
export type {
  Bus,
  BusObserver,
  Consumer,
  DeadLetter,
  DeadLetterAdmin,
  DeadLetterQuery,
  DeliveryInfo,
  EventHandler,
  HandledDelivery,
  HandlerOutcome,
  RetryPolicy,
  SubscribeOptions,
  SubscriptionDepth,
} from './port.ts';
