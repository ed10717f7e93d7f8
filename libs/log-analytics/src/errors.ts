import { ErrorCode, describeError } from '@soc/runtime';
import type { RunError } from './executor.ts';

/** The shape of an Azure SDK `RestError`, recognised by name so no SDK type leaks past this module. */
interface RestErrorLike {
  name: 'RestError';
  message: string;
  code?: string;
  statusCode?: number;
  response?: { headers: { get(name: string): string | undefined } };
  /** The query API's error body, which `@azure/monitor-query-logs` attaches. */
  details?: { error?: ServiceErrorInfo };
}

/** The query API's error object (`{ code, message, details: [{ code, message }], innererror }`). */
export interface ServiceErrorInfo {
  code?: string;
  message?: string;
  details?: { code?: string; message?: string }[];
  innererror?: ServiceErrorInfo;
}

/** The service's error with what it says underneath: its first detail and its innermost inner error. */
export function describeServiceError(error: ServiceErrorInfo): string {
  const parts = [`${error.code ? `${error.code}: ` : ''}${error.message || 'Log Analytics returned an error'}`];
  const detail = error.details?.[0]?.message;
  if (detail && !parts.includes(detail)) parts.push(detail);
  let inner = error.innererror;
  for (let depth = 0; inner?.innererror !== undefined && depth < 8; depth++) inner = inner.innererror;
  if (inner?.message && !parts.includes(inner.message)) parts.push(inner.message);
  return parts.join(' — ');
}

/** True for an Azure SDK `RestError` (an HTTP answer other than 200, or a request that could not be sent). */
export function isRestError(error: unknown): error is RestErrorLike {
  return typeof error === 'object' && error !== null && (error as { name?: unknown }).name === 'RestError';
}

/** True when Log Analytics (or a gateway before it) asked us to slow down. */
export function isThrottled(error: unknown): boolean {
  return isRestError(error) && (error.statusCode === 429 || (error.statusCode === 503 && retryAfterMsOf(error, new Date()) !== undefined));
}

/**
 * The wait a throttled response asks for, in ms: `retry-after-ms` / `x-ms-retry-after-ms`, else `Retry-After` as
 * seconds or an HTTP date. Undefined when none is given or it does not parse.
 */
export function retryAfterMsOf(error: unknown, now: Date): number | undefined {
  if (!isRestError(error) || error.response === undefined) return undefined;
  const headers = error.response.headers;
  for (const name of ['retry-after-ms', 'x-ms-retry-after-ms']) {
    const ms = Number(headers.get(name));
    if (headers.get(name) !== undefined && Number.isFinite(ms) && ms >= 0) return ms;
  }
  const value = headers.get('retry-after')?.trim();
  if (value === undefined || value === '') return undefined;
  if (/^\d{1,9}$/.test(value)) return Number(value) * 1000;
  const date = Date.parse(value);
  return Number.isFinite(date) ? Math.max(0, date - now.getTime()) : undefined;
}

const MAX_MESSAGE = 1000;
function clip(text: string): string {
  return text.length > MAX_MESSAGE ? `${text.slice(0, MAX_MESSAGE)}…` : text;
}

/**
 * Translates what the Log Analytics client threw into a run error with a code, a retry verdict and a message that
 * says what to do. Messages come from the service's error body, never from request headers, so no token is in them.
 */
export function runErrorOf(error: unknown, context: { timeoutSeconds: number; now: Date }): RunError {
  const name = typeof error === 'object' && error !== null ? String((error as { name?: unknown }).name) : '';
  if (name === 'AbortError') {
    return { code: ErrorCode.TIMEOUT, message: `The query was cancelled or did not answer within ${context.timeoutSeconds} s (LOG_ANALYTICS_TIMEOUT_SECONDS).`, retryable: true };
  }
  if (name === 'CredentialUnavailableError') {
    return { code: ErrorCode.CONFIGURATION_INVALID, message: `No Azure identity is available to query Log Analytics (${clip(describeError(error))}). On AKS, enable workload identity for this pod; elsewhere set AZURE_CLIENT_ID/AZURE_TENANT_ID or sign in with the Azure CLI.`, retryable: false };
  }
  if (name === 'AuthenticationError') {
    return { code: ErrorCode.UNAUTHORIZED, message: `Microsoft Entra ID refused a token for Log Analytics: ${clip(describeError(error))}`, retryable: false };
  }
  if (!isRestError(error)) return { code: ErrorCode.DEPENDENCY_UNAVAILABLE, message: `Log Analytics could not be reached: ${clip(describeError(error))}`, retryable: true };
  const body = error.details?.error;
  const said = clip(body && typeof body === 'object' ? describeServiceError(body) : `${error.code ? `${error.code}: ` : ''}${error.message}`);
  switch (error.statusCode) {
    case undefined:
      return { code: ErrorCode.DEPENDENCY_UNAVAILABLE, message: `Log Analytics could not be reached: ${said}`, retryable: true };
    case 400:
      return { code: ErrorCode.VALIDATION_FAILED, message: `Log Analytics rejected the query: ${said}`, retryable: false };
    case 401:
      return { code: ErrorCode.UNAUTHORIZED, message: `Log Analytics did not accept the identity's token: ${said}`, retryable: false };
    case 403:
      return { code: ErrorCode.FORBIDDEN, message: `The identity may not read this workspace; grant it the Log Analytics Reader role on the workspace. (${said})`, retryable: false };
    case 404:
      return { code: ErrorCode.CONFIGURATION_INVALID, message: `No Log Analytics workspace answers to LOG_ANALYTICS_WORKSPACE_ID at this endpoint: ${said}`, retryable: false };
    case 408:
    case 504:
      return { code: ErrorCode.TIMEOUT, message: `The query did not finish within the server timeout of ${context.timeoutSeconds} s; narrow it (time filter, fewer tables) or raise LOG_ANALYTICS_TIMEOUT_SECONDS (at most 600). (${said})`, retryable: true };
    case 429: {
      const ms = retryAfterMsOf(error, context.now);
      const after = ms === undefined ? {} : { retryAfterSeconds: Math.ceil(ms / 1000) };
      const when = ms === undefined ? 'later' : `in ${Math.ceil(ms / 1000)} s or later`;
      return { code: ErrorCode.RATE_LIMITED, message: `Log Analytics is throttling queries; try again ${when}. (${said})`, retryable: true, ...after };
    }
    default: {
      const retryable = error.statusCode >= 500;
      const ms = retryable ? retryAfterMsOf(error, context.now) : undefined;
      return {
        code: retryable ? ErrorCode.DEPENDENCY_UNAVAILABLE : ErrorCode.INTERNAL,
        message: `Log Analytics answered HTTP ${error.statusCode}: ${said}`,
        retryable,
        ...(ms === undefined ? {} : { retryAfterSeconds: Math.ceil(ms / 1000) }),
      };
    }
  }
}
