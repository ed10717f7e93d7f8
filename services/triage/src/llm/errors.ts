import { AppError, ErrorCode, isAppError, isDependencyFailure } from '@soc/runtime';

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

/** The failures that are the model endpoint's (they count towards its circuit breaker); the rest are ours or the answer's. */
const DEPENDENCY_FAILURES: ReadonlySet<CopilotFailure> = new Set<CopilotFailure>(['timeout', 'rate-limited', 'unavailable']);

/**
 * Whether a copilot error says the model endpoint is failing (timeout, 429, 5xx, unreachable), as opposed to a
 * request it refused (4xx, credentials, content filter), an answer that does not validate, a case over budget or a
 * bug of ours; errors that are not the copilot's follow `@soc/runtime`'s `isDependencyFailure`.
 */
export function isCopilotDependencyFailure(error: unknown): boolean {
  const failure = copilotFailureOf(error);
  return failure === undefined ? isDependencyFailure(error) : DEPENDENCY_FAILURES.has(failure);
}
