export { createLogger } from './logger.ts';
export type { Logger, LoggerOptions, LogLevel } from './logger.ts';
export { currentMessageContext, messageContextOf, withMessageContext } from './message-context.ts';
export type { MessageLogContext, ObservedEvent } from './message-context.ts';
export {
  REDACTED,
  REDACT_DEPTH,
  SECRET_KEYS,
  SECRET_KEY_SUFFIXES,
  isSecretKey,
  redactSecrets,
  scrubSecrets,
  serializeError,
} from './secrets.ts';
export type { SerializedError } from './secrets.ts';
export {
  TRACER_NAME,
  currentTraceIds,
  extractTraceContext,
  stampTraceContext,
  startConsumerSpan,
  startServerSpan,
} from './tracing.ts';
export type { ServerSpan, TraceCarrier, TraceIds } from './tracing.ts';
export { HANDLER_DURATION_BUCKETS, HTTP_DURATION_BUCKETS, createMetrics } from './metrics.ts';
export type { MetricsOptions, ProcessedResult, QueueDepth, QueueDepthSource, SocMetrics } from './metrics.ts';
export { createBusObserver } from './observer.ts';
export type { BusObserverOptions } from './observer.ts';
