/**
 * Error codes shared by every service. Each code has one meaning everywhere; retryability travels with the error.
 */
export const ErrorCode = {
  VALIDATION_FAILED: 'VALIDATION_FAILED',
  NOT_FOUND: 'NOT_FOUND',
  CONFLICT: 'CONFLICT',
  PRECONDITION_FAILED: 'PRECONDITION_FAILED',
  UNAUTHORIZED: 'UNAUTHORIZED',
  FORBIDDEN: 'FORBIDDEN',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  RATE_LIMITED: 'RATE_LIMITED',
  DEPENDENCY_UNAVAILABLE: 'DEPENDENCY_UNAVAILABLE',
  TIMEOUT: 'TIMEOUT',
  POLICY_VIOLATION: 'POLICY_VIOLATION',
  CONFIGURATION_INVALID: 'CONFIGURATION_INVALID',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** Options of an {@link AppError}. */
export interface AppErrorOptions {
  retryable: boolean;
  cause?: unknown;
  /** Structured detail safe to show a caller (never secrets). */
  details?: Readonly<Record<string, unknown>>;
}

/** An error with a code and a retry verdict; the bus retries retryable ones and dead-letters the rest. */
export class AppError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  constructor(code: ErrorCode, message: string, opts: AppErrorOptions) {
    super(message, { cause: opts.cause });
    this.name = 'AppError';
    this.code = code;
    this.retryable = opts.retryable;
    this.details = opts.details;
  }
}

/** Recognises an AppError by name and shape, so it works across package copies and realms. */
export function isAppError(error: unknown): error is AppError {
  return (
    typeof error === 'object' &&
    error !== null &&
    (error as { name?: unknown }).name === 'AppError' &&
    typeof (error as { code?: unknown }).code === 'string' &&
    typeof (error as { retryable?: unknown }).retryable === 'boolean'
  );
}

/** Unknown errors are treated as transient: better a retry than losing a message to a passing fault. */
export function isRetryable(error: unknown): boolean {
  return isAppError(error) ? error.retryable : true;
}

/** A short, log-safe description of any thrown value. */
export function describeError(error: unknown): string {
  if (error instanceof Error) return `${error.name}: ${error.message}`;
  return String(error);
}
