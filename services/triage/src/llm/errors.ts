import { AppError, ErrorCode, isAppError } from '@soc/runtime';

/** Why a copilot call failed; callers degrade to the deterministic triage on any of them. */
export type CopilotFailure =
  | 'timeout'
  | 'rate-limited'
  | 'bad-output'
  | 'unavailable'
  | 'unauthorized'
  | 'rejected'
  | 'content-filtered'
  | 'over-budget';

// The retry verdict is also what the circuit breaker counts (`@soc/runtime`'s isDependencyFailure): only the
// endpoint's own failures (timeout, 429, 5xx, unreachable) are retryable, so only they can open it.
const CODES: Record<CopilotFailure, { code: ErrorCode; retryable: boolean }> = {
  timeout: { code: ErrorCode.TIMEOUT, retryable: true },
  'rate-limited': { code: ErrorCode.RATE_LIMITED, retryable: true },
  unavailable: { code: ErrorCode.DEPENDENCY_UNAVAILABLE, retryable: true },
  // A model that answered with something else than the schema is not expected to do better on a retry at temperature 0.
  'bad-output': { code: ErrorCode.VALIDATION_FAILED, retryable: false },
  unauthorized: { code: ErrorCode.UNAUTHORIZED, retryable: false },
  rejected: { code: ErrorCode.VALIDATION_FAILED, retryable: false },
  'content-filtered': { code: ErrorCode.POLICY_VIOLATION, retryable: false },
  'over-budget': { code: ErrorCode.PRECONDITION_FAILED, retryable: false },
};

/** An {@link AppError} of the copilot: the failure is in `details.failure`, the retry verdict follows from it. */
export function copilotError(
  failure: CopilotFailure,
  message: string,
  opts: { cause?: unknown; details?: Record<string, unknown> } = {},
): AppError {
  const { code, retryable } = CODES[failure];
  return new AppError(code, message, { retryable, cause: opts.cause, details: { ...opts.details, failure } });
}

/** The copilot failure an error stands for, or undefined when it is not a copilot error. */
export function copilotFailureOf(error: unknown): CopilotFailure | undefined {
  if (!isAppError(error)) return undefined;
  const f = error.details?.['failure'];
  return typeof f === 'string' && f in CODES ? (f as CopilotFailure) : undefined;
}
