import { AppError, ErrorCode, isAppError } from '@soc/runtime';

/** HTTP status of a Cosmos SDK error (`ErrorResponse.code`), or undefined for transport failures. */
export function cosmosStatusOf(error: unknown): number | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** Cosmos sub-status (`x-ms-substatus`), which refines some status codes. */
function substatusOf(error: unknown): number | undefined {
  const substatus = (error as { substatus?: unknown } | null)?.substatus;
  return typeof substatus === 'number' ? substatus : undefined;
}

const TRANSIENT_NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'REQUEST_SEND_ERROR',
  'TimeoutError',
]);

/**
 * Translates any error from `@azure/cosmos` into an AppError, once, at the adapter boundary. Statuses the
 * adapter expects (404 on an item, 409, 412) are handled before they get here; this covers everything else:
 * throttling, outages and timeouts are retryable DEPENDENCY_UNAVAILABLE, auth and request errors are not.
 */
export function translateCosmosError(error: unknown, operation: string): AppError {
  if (isAppError(error)) return error;
  const status = cosmosStatusOf(error);
  const substatus = substatusOf(error);
  const details = {
    operation,
    ...(status === undefined ? {} : { status }),
    ...(substatus === undefined ? {} : { substatus }),
  };
  const retryAfterMs = (error as { retryAfterInMs?: unknown } | null)?.retryAfterInMs;
  const fail = (code: ErrorCode, message: string, retryable: boolean, extra: Record<string, unknown> = {}): AppError =>
    new AppError(code, `Cosmos DB ${operation}: ${message}`, {
      retryable,
      cause: error,
      details: { ...details, ...extra },
    });
  // Unknown failures stay retryable: better a redelivery than a message lost to a fault we did not foresee.
  const unforeseen = (): AppError =>
    fail(ErrorCode.DEPENDENCY_UNAVAILABLE, error instanceof Error ? error.message : String(error), true);

  if (status === undefined) {
    const code = (error as { code?: unknown } | null)?.code;
    const name = (error as { name?: unknown } | null)?.name;
    if (
      (typeof code === 'string' && TRANSIENT_NETWORK_CODES.has(code)) ||
      name === 'TimeoutError' ||
      name === 'AbortError'
    ) {
      return fail(ErrorCode.DEPENDENCY_UNAVAILABLE, `unreachable or timed out (${String(code ?? name)})`, true);
    }
    return unforeseen();
  }
  switch (status) {
    case 412:
      return fail(ErrorCode.PRECONDITION_FAILED, 'precondition failed', true);
    case 409:
      return fail(ErrorCode.CONFLICT, 'conflict', false);
    case 400:
      return fail(ErrorCode.VALIDATION_FAILED, 'bad request', false);
    case 401:
      return fail(ErrorCode.UNAUTHORIZED, 'not authenticated (key or token rejected)', false);
    case 403:
      return fail(ErrorCode.FORBIDDEN, 'forbidden (check the data-plane role assignment)', false);
    case 404:
      // 404/1002 is a session token the replica has not caught up with yet; any other 404 here means the
      // database or container does not exist, which no retry fixes.
      return substatus === 1002
        ? fail(ErrorCode.DEPENDENCY_UNAVAILABLE, 'read session not available', true)
        : fail(ErrorCode.CONFIGURATION_INVALID, 'database or container not found', false);
    case 413:
      return fail(ErrorCode.PAYLOAD_TOO_LARGE, 'document too large (Cosmos DB caps items at 2 MB)', false);
    case 408:
    case 410:
    case 429:
    case 449:
    case 500:
    case 502:
    case 503:
    case 504:
      return fail(
        ErrorCode.DEPENDENCY_UNAVAILABLE,
        status === 429 ? 'throttled (request rate too large)' : `transient failure (${status})`,
        true,
        typeof retryAfterMs === 'number' ? { retryAfterMs } : {},
      );
    default:
      return unforeseen();
  }
}
