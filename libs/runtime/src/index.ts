export { AppError, ErrorCode, describeError, isAppError, isRetryable } from './errors.ts';
export type { AppErrorOptions } from './errors.ts';
export { loadConfig } from './config.ts';
export { manualClock, randomIds, systemClock } from './clock.ts';
export type { Clock, IdGenerator } from './clock.ts';
export { onShutdown } from './shutdown.ts';
export type { Closer, ShutdownLogger } from './shutdown.ts';
export { breaker } from './breaker.ts';
export type { BreakerOptions } from './breaker.ts';
