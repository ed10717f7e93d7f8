import { EntraClientSecretCredential, type EntraClientSecretCredentialOptions, bearerToken } from '@soc/outbound';
import { AppError, ErrorCode, errorReasonOf, parseRetryAfter } from '@soc/runtime';

/**
 * The small HTTP client of the Microsoft Defender for Endpoint API the Defender runbooks use: a bearer token from a
 * {@link DefenderCredential}, one place that turns an answer into a result or an {@link AppError}, and OData
 * string literals built safely. Never met the real API: its wire format follows Microsoft's documentation.
 */

/** The default API host (`https://api.securitycenter.microsoft.com` and the regional hosts answer the same API). */
export const DEFENDER_DEFAULT_BASE_URL = 'https://api.security.microsoft.com';
/** The application-permission scope of the Defender for Endpoint API. */
export const DEFENDER_SCOPE = 'https://api.securitycenter.microsoft.com/.default';

/** The part of an `@azure/identity` TokenCredential used here, so `DefaultAzureCredential` fits unchanged. */
export interface DefenderCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp?: number } | null>;
}

/** Options of {@link ClientSecretDefenderCredential}: those of the shared credential, named for Defender in its errors. */
export type ClientSecretOptions = Omit<EntraClientSecretCredentialOptions, 'purpose'>;

/**
 * The client credentials grant for the Defender API: the shared {@link EntraClientSecretCredential} (token cached per
 * scope, 429/5xx retryable, the secret never in an error), its errors naming Defender.
 */
export class ClientSecretDefenderCredential extends EntraClientSecretCredential implements DefenderCredential {
  constructor(opts: ClientSecretOptions) {
    super({ refusalHint: 'check DEFENDER_TENANT_ID, DEFENDER_CLIENT_ID and the secret in DEFENDER_CLIENT_SECRET_FILE', ...opts, purpose: 'Defender' });
  }
}

/**
 * An OData string literal: single quotes doubled (OData ABNF `SQUOTE-in-string`). A value with a control character
 * is refused: no device, URL or IP has one, and it has no business in a query.
 */
export function odataString(value: string): string {
  if (/[\u0000-\u001f\u007f-\u009f]/u.test(value)) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'a Defender query value may not contain control characters', { retryable: false });
  }
  return `'${value.replaceAll("'", "''")}'`;
}

/** A `$filter` query string, percent-encoded the same way whatever the HTTP stack (`'` as `%27`, space as `%20`). */
export function filterQuery(filter: string): string {
  return `?$filter=${encodeURIComponent(filter).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`)}`;
}

/** The permission each kind of call needs, named in a 401/403 refusal. */
export type DefenderPermission = 'Machine.Read.All' | 'Machine.Isolate' | 'Ti.ReadWrite.All';

/** One call to the API, as a dry run shows it and as the client sends it. */
export interface DefenderCall {
  method: 'GET' | 'POST' | 'DELETE';
  /** Path and query, e.g. `/api/machines/abc/isolate`. */
  path: string;
  body?: Readonly<Record<string, unknown>>;
}

/** An error answer Defender gives, kept for the callers that treat one as "already in that state". */
export interface DefenderRefusal {
  status: number;
  code: string;
}

/** Options of {@link DefenderClient}. */
export interface DefenderClientOptions {
  credential: DefenderCredential;
  /** Default {@link DEFENDER_DEFAULT_BASE_URL}. */
  baseUrl?: string;
  /** Default {@link DEFENDER_SCOPE}. */
  scope?: string;
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
}

/** Sends {@link DefenderCall}s with a bearer token and classifies the answers. */
export class DefenderClient {
  readonly #credential: DefenderCredential;
  readonly #baseUrl: string;
  readonly #scope: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #now: () => Date;

  constructor(opts: DefenderClientOptions) {
    this.#credential = opts.credential;
    this.#baseUrl = (opts.baseUrl ?? DEFENDER_DEFAULT_BASE_URL).replace(/\/+$/, '');
    this.#scope = opts.scope ?? DEFENDER_SCOPE;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#now = opts.now ?? (() => new Date());
  }

  /**
   * Sends `call`; a 2xx answer's JSON body (or `undefined` for 204). `tolerate` lists error answers (status and
   * Defender error code) the caller handles itself: those come back as a {@link DefenderRefusal} instead of a throw.
   * Everything else: 429 and 5xx retryable with `retryAfterSeconds`; 401/403 non-retryable naming `permission`;
   * 404 and other 4xx non-retryable with Defender's reason.
   */
  async send<T>(call: DefenderCall, permission: DefenderPermission, tolerate: readonly DefenderRefusal[] = []): Promise<{ ok: true; body: T } | { ok: false; refusal: DefenderRefusal }> {
    const token = await this.#token();
    const what = `Defender ${call.method} ${call.path.split('?')[0]}`;
    let res: Response;
    try {
      res = await this.#fetch(`${this.#baseUrl}${call.path}`, {
        method: call.method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(call.body ? { 'content-type': 'application/json' } : {}) },
        ...(call.body ? { body: JSON.stringify(call.body) } : {}),
      });
    } catch (error) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} unreachable: ${(error as Error).name}`, { retryable: true });
    }
    if (res.ok) {
      if (res.status === 204) return { ok: true, body: undefined as T };
      const text = await res.text();
      try {
        return { ok: true, body: (text === '' ? undefined : JSON.parse(text)) as T };
      } catch {
        throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} answered ${res.status} with a body that is not JSON`, { retryable: false, details: { status: res.status } });
      }
    }
    const reason = await errorReasonOf(res);
    const code = reason.includes(':') ? reason.slice(0, reason.indexOf(':')) : reason.split(' ')[0] ?? '';
    if (tolerate.some((t) => t.status === res.status && t.code === code)) return { ok: false, refusal: { status: res.status, code } };
    if (res.status === 429 || res.status >= 500) {
      const after = parseRetryAfter(res.headers.get('retry-after'), this.#now());
      throw new AppError(res.status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} answered ${res.status}${reason ? ` (${reason})` : ''}`, {
        retryable: true,
        details: { status: res.status, ...(after !== undefined ? { retryAfterSeconds: after } : {}) },
      });
    }
    if (res.status === 401 || res.status === 403) {
      throw new AppError(res.status === 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.FORBIDDEN, `${what} refused (${res.status}${reason ? `: ${reason}` : ''}); the application needs the Defender API permission ${permission}`, {
        retryable: false,
        details: { status: res.status, reason, permission },
      });
    }
    throw new AppError(res.status === 404 ? ErrorCode.NOT_FOUND : ErrorCode.VALIDATION_FAILED, `${what} refused (${res.status}${reason ? `: ${reason}` : ''})`, {
      retryable: false,
      details: { status: res.status, reason },
    });
  }

  #token(): Promise<string> {
    return bearerToken(this.#credential, this.#scope, 'Defender');
  }

}
