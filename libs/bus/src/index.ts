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
export { MemoryBus, DEFAULT_MAX_CONCURRENCY } from './adapters/memory-bus.ts';
export type { MemoryBusOptions } from './adapters/memory-bus.ts';
export { SqliteBus } from './adapters/sqlite-bus.ts';
export type { SqliteBusOptions } from './adapters/sqlite-bus.ts';
export { NOTHING, dispatch } from './dispatch.ts';
export type { HandlerTable } from './dispatch.ts';
export { ServiceBusBus } from './adapters/service-bus.ts';
export type { ServiceBusBusOptions } from './adapters/service-bus.ts';
export { openBus } from './open-bus.ts';
export { BusConfig, MemoryBusConfig, RetryPolicyConfig, ServiceBusConfig, SqliteBusConfig } from './config.ts';
export type { BusConfigInput } from './config.ts';
export { consoleBusLogger, resolveBusDeps } from './deps.ts';
export type { BusDeps, BusLogger, ResolvedBusDeps } from './deps.ts';
export { resolveRetryPolicy, retryDelayMs } from './retry-policy.ts';
export { validateEvents } from './validation.ts';
export {
  BUS_EVENT_SOURCE,
  MAX_DELIVERY_COUNT_EXCEEDED,
  applySettlement,
  buildDeadLetter,
  decideSettlement,
  failureSettlement,
  processingFailedFor,
  reportSettlement,
} from './settlement.ts';
export type {
  DeadLetterFields,
  Decision,
  ReceivedMessage,
  Settlement,
  SettlementContext,
  SettlementReport,
  SettleResult,
} from './settlement.ts';
export { DeliveryRunner } from './delivery-runner.ts';
export type { DeliveryRunnerOptions, LockedDelivery } from './delivery-runner.ts';
export {
  CLOUDEVENTS_CONTENT_TYPE,
  DEFAULT_TOPIC,
  SUBSCRIPTION_RULE_NAME,
  PRIORITY_PROPERTY,
  TARGET_SUBSCRIPTION_PROPERTY,
  decodeServiceBusBody,
  deliveryCountOf,
  isLockLost,
  laneFilterSql,
  laneSubscriptionName,
  laneSubscriptions,
  lockDurationIso,
  subscriptionFilterSql,
  toReplayMessage,
  toServiceBusMessage,
  translateServiceBusError,
} from './adapters/service-bus-mapping.ts';
export type { LaneSubscription } from './adapters/service-bus-mapping.ts';
export { EMULATOR_NAMESPACE, serviceBusEmulatorConfig } from './adapters/service-bus-emulator-config.ts';
export { translateSqliteError } from './adapters/sqlite-errors.ts';
