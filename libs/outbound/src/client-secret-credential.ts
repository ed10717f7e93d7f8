import { AppError, ErrorCode, parseRetryAfter } from '@soc/runtime';

/** Entra ID's public-cloud authority host; national clouds (and tests) name their own. */
export const ENTRA_AUTHORITY_HOST = 'https://login.microsoftonline.com';

/**
 * A tenant as the token endpoint's path takes it: a tenant id (GUID) or a verified domain
 * (`contoso.onmicrosoft.com`, `botframework.com`). Anything else (`..`, a slash, `common`) is refused: it would
 * change the endpoint's path, and the client credentials grant needs a real tenant anyway.
 */
export function isEntraTenant(value: string): boolean {
  return (
    /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(value) ||
    (value.length <= 253 && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$/.test(value))
  );
}

/** Whether a URL's host is this machine (`localhost`, `127.0.0.0/8`, `[::1]`): the only place plain http is accepted. */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * A service base URL from configuration, trailing slashes removed: https, or http only to a loopback host (a local
 * stand-in); no credentials, query or fragment. Throws a `CONFIGURATION_INVALID` naming `name` otherwise, so a
 * token or a bearer header never travels in clear text to another machine.
 */
export function httpsOrLoopbackUrl(value: string, name: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, `${name} is not a URL`, { retryable: false });
  }
  const refuse = (why: string): never => {
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, `${name} ${why}`, { retryable: false });
  };
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && isLoopbackHost(url.hostname))) refuse('must be https (plain http only to a loopback host)');
  if (url.username !== '' || url.password !== '') refuse('may not hold credentials');
  if (url.search !== '' || url.hash !== '') refuse('may not have a query or fragment');
  return `${url.origin}${url.pathname}`.replace(/\/+$/, '');
}

/** Options of {@link EntraClientSecretCredential}. */
export interface EntraClientSecretCredentialOptions {
  /** A tenant id (GUID) or verified domain; see {@link isEntraTenant}. */
  tenantId: string;
  /** The app registration's client (application) id. */
  clientId: string;
  /** The app's client secret: sent only in the token request's form body, never in an error or log. */
  clientSecret: string;
  /** Default {@link ENTRA_AUTHORITY_HOST}; a national cloud's host, or a loopback stand-in in tests (see {@link httpsOrLoopbackUrl}). */
  authorityHost?: string;
  /** Default 10 s for the whole token request, body included. */
  timeoutMs?: number;
  /** Names the caller in errors, e.g. `Defender` → "Entra ID refused the Defender token request …". */
  purpose?: string;
  /** Appended to a non-retryable refusal: which settings to check (names only, never values). */
  refusalHint?: string;
  fetch?: typeof globalThis.fetch;
  /** Milliseconds since the epoch; tests move it to expire the cache. */
  now?: () => number;
}

/** A token as `@azure/identity` returns it. */
export interface EntraAccessToken {
  token: string;
  expiresOnTimestamp: number;
}

/**
 * An app-only token by the OAuth 2.0 client credentials grant against Entra ID's v2.0 endpoint:
 * `POST {authorityHost}/{tenant}/oauth2/v2.0/token` with the form `grant_type=client_credentials`, `client_id`,
 * `client_secret`, `scope`. Shaped as `@azure/identity`'s `TokenCredential` (`getToken(scopes)` →
 * `{token, expiresOnTimestamp}`), so callers take a `DefaultAzureCredential` just as well. Each scope's token is
 * cached until five minutes before it expires. A 429 or 5xx answer (and an unreachable or slow endpoint) is
 * retryable, with `details.retryAfterSeconds` from `Retry-After`; any other refusal (`invalid_client`,
 * `unauthorized_client`, `invalid_scope`) is not, and carries Entra's error code only: its `error_description` can
 * quote the request. The secret is never in an error.
 *
 * Why not `@azure/identity`'s `ClientSecretCredential`: MSAL under it accepts only an https authority and performs
 * instance discovery against it, so it cannot be proven against a loopback stand-in that asserts the exact form it
 * receives; this one is about eighty lines and is. Wherever no client secret is configured, services keep using
 * `DefaultAzureCredential` (workload identity on AKS), which remains the default.
 */
export class EntraClientSecretCredential {
  readonly #endpoint: string;
  readonly #clientId: string;
  readonly #clientSecret: string;
  readonly #timeoutMs: number;
  readonly #purpose: string;
  readonly #hint: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #now: () => number;
  readonly #cache = new Map<string, EntraAccessToken>();

  constructor(options: EntraClientSecretCredentialOptions) {
    const purpose = options.purpose ? `${options.purpose} ` : '';
    if (!isEntraTenant(options.tenantId)) throw new AppError(ErrorCode.CONFIGURATION_INVALID, `the ${purpose}tenant is not a tenant id (GUID) or domain`, { retryable: false });
    if (!options.clientId || !options.clientSecret) throw new AppError(ErrorCode.CONFIGURATION_INVALID, `the ${purpose}client id and client secret are required`, { retryable: false });
    const authority = httpsOrLoopbackUrl(options.authorityHost ?? ENTRA_AUTHORITY_HOST, `the ${purpose}authority host`);
    this.#endpoint = `${authority}/${encodeURIComponent(options.tenantId)}/oauth2/v2.0/token`;
    this.#clientId = options.clientId;
    this.#clientSecret = options.clientSecret;
    this.#timeoutMs = options.timeoutMs ?? 10_000;
    this.#purpose = purpose;
    this.#hint = options.refusalHint ? `: ${options.refusalHint}` : '';
    this.#fetch = options.fetch ?? globalThis.fetch;
    this.#now = options.now ?? Date.now;
  }

  /** A token for `scopes` (joined by spaces, as the form takes them), from the cache while it has five minutes left. */
  async getToken(scopes: string | string[]): Promise<EntraAccessToken> {
    const scope = Array.isArray(scopes) ? scopes.join(' ') : scopes;
    const cached = this.#cache.get(scope);
    if (cached !== undefined && cached.expiresOnTimestamp - 5 * 60_000 > this.#now()) return cached;
    const what = `the ${this.#purpose}token request`;
    let res: Response;
    let text: string;
    try {
      res = await this.#fetch(this.#endpoint, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: this.#clientId, client_secret: this.#clientSecret, scope }).toString(),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
      text = await res.text();
    } catch (error) {
      // The error's name only (TimeoutError, TypeError): a message can quote the request.
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Entra ID token endpoint unreachable for ${what}: ${error instanceof Error ? error.name : 'unknown error'}`, { retryable: true });
    }
    let body: { access_token?: unknown; expires_in?: unknown; error?: unknown } = {};
    try {
      body = JSON.parse(text) as typeof body;
    } catch {
      // not JSON: the status says enough
    }
    const now = this.#now();
    if (res.status === 429 || res.status >= 500) {
      const after = parseRetryAfter(res.headers.get('retry-after'), new Date(now));
      throw new AppError(res.status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.DEPENDENCY_UNAVAILABLE, `Entra ID answered ${what} with ${res.status}`, {
        retryable: true,
        details: { status: res.status, ...(after !== undefined ? { retryAfterSeconds: after } : {}) },
      });
    }
    if (!res.ok) {
      const code = typeof body.error === 'string' && /^[a-z_]{1,64}$/.test(body.error) ? body.error : '';
      throw new AppError(ErrorCode.UNAUTHORIZED, `Entra ID refused ${what} (${res.status}${code ? `: ${code}` : ''})${this.#hint}`, {
        retryable: false,
        details: { status: res.status, ...(code ? { error: code } : {}) },
      });
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Entra ID answered ${what} without an access_token`, { retryable: true, details: { status: res.status } });
    }
    const seconds = typeof body.expires_in === 'number' ? body.expires_in : Number(body.expires_in ?? 3600);
    const entry = { token: body.access_token, expiresOnTimestamp: now + (Number.isFinite(seconds) && seconds > 0 ? seconds : 3600) * 1000 };
    this.#cache.set(scope, entry);
    return entry;
  }
}

/** The part of an `@azure/identity` TokenCredential a bearer call needs: `DefaultAzureCredential` fits unchanged. */
export interface TokenSource {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp?: number } | null>;
}

/**
 * A bearer token for `scope` from `credential`, for a call to `service` (named in errors). A credential's own
 * AppError (a refused client secret: not retryable) passes unchanged; any other failure is retryable and says only
 * its kind, since a credential's message can quote its configuration.
 */
export async function bearerToken(credential: TokenSource, scope: string, service: string): Promise<string> {
  let answer: { token: string } | null;
  try {
    answer = await credential.getToken(scope);
  } catch (error) {
    if (error instanceof AppError) throw error;
    throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `no ${service} token: ${error instanceof Error ? error.name : 'unknown error'}`, { retryable: true });
  }
  if (!answer?.token) throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `no ${service} token: the credential returned none`, { retryable: true });
  return answer.token;
}
