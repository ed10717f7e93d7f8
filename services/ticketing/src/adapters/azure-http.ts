import { bearerToken } from '@soc/outbound';
import { AppError, ErrorCode, errorReasonOf, parseRetryAfter } from '@soc/runtime';

/** The part of an `@azure/identity` TokenCredential the write-back adapters use (DefaultAzureCredential in production). */
export interface AzureCredential {
  getToken(scopes: string | string[]): Promise<{ token: string } | null>;
}

/**
 * A bearer token for `scope`; a failure is retryable (nothing was sent), unless the credential already classified it
 * (the client-secret credential's `invalid_client` is a refusal, not an outage). The token is never put in an error.
 */
export function tokenFor(credential: AzureCredential, scope: string, service: string): Promise<string> {
  return bearerToken(credential, scope, service);
}

/** Sends one request; a network failure or timeout is a retryable `DEPENDENCY_UNAVAILABLE`. */
export async function send(fetchFn: typeof globalThis.fetch, url: string, init: RequestInit, service: string): Promise<Response> {
  try {
    return await fetchFn(url, init);
  } catch (error) {
    throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${service} unreachable: ${error instanceof Error ? error.message : String(error)}`, { retryable: true, cause: error });
  }
}

/**
 * The error of a non-2xx answer: 429 and 5xx are retryable with the `Retry-After` they ask for (the bus honours
 * `details.retryAfterSeconds`); 400, 401, 403, 404 and the rest are refusals with the service's reason.
 */
export async function failureOf(res: Response, what: string, now: Date): Promise<AppError> {
  const reason = await errorReasonOf(res);
  if (res.status === 429 || res.status >= 500) {
    const after = parseRetryAfter(res.headers.get('retry-after'), now);
    return new AppError(res.status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} answered ${res.status}${reason ? ` (${reason})` : ''}`, {
      retryable: true,
      details: { status: res.status, ...(after !== undefined ? { retryAfterSeconds: after } : {}) },
    });
  }
  const code =
    res.status === 401 ? ErrorCode.UNAUTHORIZED : res.status === 403 ? ErrorCode.FORBIDDEN : res.status === 404 ? ErrorCode.NOT_FOUND : ErrorCode.VALIDATION_FAILED;
  return new AppError(code, `${what} refused (${res.status}${reason ? `: ${reason}` : ''})`, { retryable: false, details: { status: res.status, reason } });
}
