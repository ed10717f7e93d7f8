import CircuitBreaker from 'opossum';
import { AppError, ErrorCode, isAppError } from './errors.ts';

/** Options of {@link breaker}. */
export interface BreakerOptions {
  name: string;
  timeoutMs?: number;
  errorThresholdPercentage?: number;
  resetTimeoutMs?: number;
  /** Requests allowed in flight at once; more fail fast. */
  capacity?: number;
  /**
   * Calls within the rolling window before the breaker may open (default {@link DEFAULT_VOLUME_THRESHOLD}), so one
   * failure of a quiet dependency does not shut it off for everyone.
   */
  volumeThreshold?: number;
  /** The rolling window the failure rate and the volume are counted over (default 10 s). */
  rollingWindowMs?: number;
  /**
   * Whether an error is the dependency failing (counts towards opening) rather than a bug of ours or a request the
   * dependency refused (does not). Default {@link isDependencyFailure}.
   */
  isDependencyFailure?: (error: unknown) => boolean;
}

/** The default minimum number of calls in the rolling window before a breaker may open. */
export const DEFAULT_VOLUME_THRESHOLD = 5;

/**
 * Why {@link breaker} failed a call: it was open (no call made), the call ran out of time, or this call's dependency
 * failure has just opened it.
 */
export type BreakerFailFast = 'open' | 'timeout' | 'opened';

// Node's and undici's codes for a connection that failed, was cut or timed out.
const TRANSPORT_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  // Azure SDKs (@azure/core-rest-pipeline) when a request could not be sent.
  'REQUEST_SEND_ERROR',
]);

/**
 * The default failure policy of a breaker: a retryable {@link AppError} (adapters translate timeouts, connection
 * errors, 5xx and 429 into one), an SDK error with an HTTP status of 5xx or 429 (`status`, `statusCode`), or a raw
 * connection error (by its code, on the error or its causes, as `fetch` wraps them in a TypeError) is the dependency
 * failing. Anything else — a non-retryable AppError or another 4xx (a refused request, an answer that does not
 * validate) or a plain bug — says nothing about the dependency's health and never opens the breaker.
 */
export function isDependencyFailure(error: unknown): boolean {
  if (isAppError(error)) return error.retryable;
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const { code, status, statusCode } = e as { code?: unknown; status?: unknown; statusCode?: unknown };
    if (typeof code === 'string' && TRANSPORT_CODES.has(code)) return true;
    const http = typeof status === 'number' ? status : statusCode;
    if (typeof http === 'number') return http >= 500 || http === 429;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Codes that say the dependency will refuse every call until someone changes it: credentials, a missing index. */
const PERSISTENT_REFUSALS: ReadonlySet<string> = new Set([ErrorCode.UNAUTHORIZED, ErrorCode.FORBIDDEN, ErrorCode.NOT_FOUND, ErrorCode.CONFIGURATION_INVALID]);

/**
 * A failure policy for lookups whose every call looks alike (a directory, a threat-intel service, a search index):
 * {@link isDependencyFailure}, and also a refusal that will repeat for every call — bad credentials, a role not
 * granted, an index or table that does not exist (401, 403, 404) — so that a misconfigured source opens its breaker
 * instead of being called, and failing, for every alert. Not for the LLM: one request it refuses says nothing of the
 * next.
 */
export function isOutageOrMisconfiguration(error: unknown): boolean {
  if (isDependencyFailure(error)) return true;
  if (isAppError(error)) return PERSISTENT_REFUSALS.has(error.code);
  let e: unknown = error;
  for (let depth = 0; depth < 5 && typeof e === 'object' && e !== null; depth++) {
    const { status, statusCode } = e as { status?: unknown; statusCode?: unknown };
    const http = typeof status === 'number' ? status : statusCode;
    if (typeof http === 'number') return http === 401 || http === 403 || http === 404;
    e = (e as { cause?: unknown }).cause;
  }
  return false;
}

/** Whether an error is {@link breaker} failing fast, and how (see {@link BreakerFailFast}). */
export function breakerFailFastOf(error: unknown): BreakerFailFast | undefined {
  if (!isAppError(error) || error.code !== ErrorCode.DEPENDENCY_UNAVAILABLE) return undefined;
  const f = error.details?.['breaker'];
  return f === 'open' || f === 'timeout' || f === 'opened' ? f : undefined;
}

/**
 * Wraps an outbound call in an opossum circuit breaker. Only dependency failures count towards opening it
 * ({@link BreakerOptions.isDependencyFailure}), and only once the window has seen `volumeThreshold` calls. While
 * open (or on timeout) it fails fast with a retryable DEPENDENCY_UNAVAILABLE whose `details.breaker` says which, so
 * callers can degrade instead of blocking. Other errors pass through unchanged.
 */
export function breaker<A extends unknown[], R>(fn: (...args: A) => Promise<R>, opts: BreakerOptions): ((...args: A) => Promise<R>) & { breaker: CircuitBreaker<A, R> } {
  const counts = opts.isDependencyFailure ?? isDependencyFailure;
  const cb = new CircuitBreaker<A, R>(fn, {
    name: opts.name,
    timeout: opts.timeoutMs ?? 5_000,
    errorThresholdPercentage: opts.errorThresholdPercentage ?? 50,
    resetTimeout: opts.resetTimeoutMs ?? 30_000,
    capacity: opts.capacity ?? 32,
    volumeThreshold: opts.volumeThreshold ?? DEFAULT_VOLUME_THRESHOLD,
    rollingCountTimeout: opts.rollingWindowMs ?? 10_000,
    // opossum's filter says which errors are *not* failures; its own timeout always is one.
    errorFilter: (error: unknown) => !(isOpossum(error, 'ETIMEDOUT') || counts(error)),
  });
  const call = async (...args: A): Promise<R> => {
    try {
      return await cb.fire(...args);
    } catch (error) {
      const failFast: BreakerFailFast | undefined = isOpossum(error, 'EOPENBREAKER') ? 'open' : isOpossum(error, 'ETIMEDOUT') ? 'timeout' : undefined;
      // A dependency failure that has just opened the breaker reads like the fast failures that follow it.
      if (failFast !== undefined || (cb.opened && counts(error))) {
        throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${opts.name} is unavailable; the circuit breaker failed fast`, {
          retryable: true,
          cause: error,
          details: { breaker: failFast ?? 'opened' },
        });
      }
      throw error;
    }
  };
  return Object.assign(call, { breaker: cb });
}

/**
 * opossum's own errors (open, timeout) are plain Errors with a code and no other marks; a socket's `connect
 * ETIMEDOUT` carries the same code but also its `syscall`, and is the dependency's failure, not the breaker's.
 */
function isOpossum(error: unknown, code: 'EOPENBREAKER' | 'ETIMEDOUT'): boolean {
  return error instanceof Error && !isAppError(error) && (error as { code?: unknown }).code === code && error.cause === undefined && !('syscall' in error);
}
