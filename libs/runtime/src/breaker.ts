import CircuitBreaker from 'opossum';
import { AppError, ErrorCode } from './errors.ts';

/** Options of {@link breaker}. */
export interface BreakerOptions {
  name: string;
  timeoutMs?: number;
  errorThresholdPercentage?: number;
  resetTimeoutMs?: number;
  /** Requests allowed in flight at once; more fail fast. */
  capacity?: number;
}

/**
 * Wraps an outbound call in an opossum circuit breaker. While open (or on timeout) it fails fast with a
 * retryable DEPENDENCY_UNAVAILABLE, so callers can degrade instead of blocking.
 */
export function breaker<A extends unknown[], R>(fn: (...args: A) => Promise<R>, opts: BreakerOptions): ((...args: A) => Promise<R>) & { breaker: CircuitBreaker<A, R> } {
  const cb = new CircuitBreaker<A, R>(fn, {
    name: opts.name,
    timeout: opts.timeoutMs ?? 5_000,
    errorThresholdPercentage: opts.errorThresholdPercentage ?? 50,
    resetTimeout: opts.resetTimeoutMs ?? 30_000,
    capacity: opts.capacity ?? 32,
  });
  const call = async (...args: A): Promise<R> => {
    try {
      return await cb.fire(...args);
    } catch (error) {
      if (cb.opened || (error as { code?: string }).code === 'ETIMEDOUT' || (error as { code?: string }).code === 'EOPENBREAKER') {
        throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${opts.name} is unavailable; the circuit breaker failed fast`, {
          retryable: true,
          cause: error,
        });
      }
      throw error;
    }
  };
  return Object.assign(call, { breaker: cb });
}
