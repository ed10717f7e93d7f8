import { AppError, ErrorCode } from '@soc/runtime';

/** How one outbound JSON request is made: configuration, never alert content. */
export interface JsonRequestOptions {
  fetch: typeof globalThis.fetch;
  headers: Record<string, string>;
  timeoutMs: number;
  maxBytes: number;
  /** Names the request in error messages, e.g. "ServiceNow CMDB lookup"; never a secret. */
  what: string;
  /** Statuses answered as `{ status, body: undefined }` instead of thrown (e.g. 404 "not known"). */
  passStatuses?: readonly number[];
  /** POST this JSON body instead of a GET. */
  postJson?: unknown;
  /** Said after a 401/403; default "check the credentials and permissions". */
  refusedHint?: string;
}

const failure = (
  code: ErrorCode,
  message: string,
  retryable: boolean,
  cause?: unknown,
  details?: Record<string, unknown>,
): AppError =>
  new AppError(code, message, {
    retryable,
    ...(cause !== undefined ? { cause } : {}),
    ...(details ? { details } : {}),
  });

/**
 * GETs (or POSTs `postJson` and reads) a JSON document — every outbound call of enrichment goes through here. Redirects are not followed (a redirect could point anywhere); 429 throws a retryable
 * `RATE_LIMITED`, 401/403 a non-retryable `UNAUTHORIZED`, 5xx, timeouts and network faults retryable errors, so a
 * circuit breaker counts them; bodies over `maxBytes` are refused.
 */
export async function requestJson(url: URL, opts: JsonRequestOptions): Promise<{ status: number; body: unknown }> {
  let res: Response;
  try {
    const post = opts.postJson !== undefined;
    res = await opts.fetch(url, {
      method: post ? 'POST' : 'GET',
      headers: { accept: 'application/json', ...(post ? { 'content-type': 'application/json' } : {}), ...opts.headers },
      ...(post ? { body: JSON.stringify(opts.postJson) } : {}),
      redirect: 'manual',
      signal: AbortSignal.timeout(opts.timeoutMs),
    });
  } catch (error) {
    const name = (error as { name?: unknown }).name;
    if (name === 'TimeoutError' || name === 'AbortError')
      throw failure(ErrorCode.TIMEOUT, `${opts.what} timed out`, true, error);
    throw failure(ErrorCode.DEPENDENCY_UNAVAILABLE, `${opts.what} failed to connect`, true, error);
  }
  if (opts.passStatuses?.includes(res.status)) {
    await res.body?.cancel();
    return { status: res.status, body: undefined };
  }
  if (res.status !== 200) {
    await res.body?.cancel();
    if (res.status === 429) {
      const retryAfter = Number(res.headers.get('retry-after'));
      throw failure(
        ErrorCode.RATE_LIMITED,
        `${opts.what} was rate limited (429)`,
        true,
        undefined,
        Number.isFinite(retryAfter) && retryAfter > 0 ? { retryAfterSeconds: retryAfter } : undefined,
      );
    }
    if (res.status === 401 || res.status === 403)
      throw failure(
        ErrorCode.UNAUTHORIZED,
        `${opts.what} was refused (${res.status}); ${opts.refusedHint ?? 'check the credentials and permissions'}`,
        false,
      );
    throw failure(
      ErrorCode.DEPENDENCY_UNAVAILABLE,
      `${opts.what} answered ${res.status}`,
      res.status >= 500 || res.status === 408,
    );
  }
  const declared = Number(res.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > opts.maxBytes) {
    await res.body?.cancel();
    throw failure(ErrorCode.PAYLOAD_TOO_LARGE, `${opts.what} answered ${declared} bytes`, false);
  }
  const text = await res.text();
  if (text.length > opts.maxBytes)
    throw failure(ErrorCode.PAYLOAD_TOO_LARGE, `${opts.what} answered more than ${opts.maxBytes} bytes`, false);
  try {
    return { status: res.status, body: JSON.parse(text) as unknown };
  } catch (error) {
    throw failure(ErrorCode.DEPENDENCY_UNAVAILABLE, `${opts.what} answered invalid JSON`, false, error);
  }
}

/** A parse failure of a remote answer, as an error the caller lists under `missing`. */
export function unexpectedShape(what: string, detail: string): AppError {
  return failure(
    ErrorCode.DEPENDENCY_UNAVAILABLE,
    `${what} answered an unexpected shape: ${detail.slice(0, 500)}`,
    false,
  );
}

/** A base URL from configuration: http(s) only, no credentials, ending in `/` so relative paths stay under it. */
export function configuredBase(raw: string, what: string): URL {
  let url: URL;
  try {
    url = new URL(raw);
  } catch (error) {
    throw failure(ErrorCode.CONFIGURATION_INVALID, `${what} URL is not a URL`, false, error);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username !== '' || url.password !== '')
    throw failure(ErrorCode.CONFIGURATION_INVALID, `${what} URL must be http(s) without credentials`, false);
  url.search = '';
  url.hash = '';
  if (!url.pathname.endsWith('/')) url.pathname += '/';
  return url;
}
