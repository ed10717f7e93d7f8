import type { TokenCredential } from '@azure/identity';
import { bearerToken } from '@soc/outbound';
import { AppError, ErrorCode, errorReasonOf, parseRetryAfter } from '@soc/runtime';

/**
 * The small Microsoft Graph v1.0 client of the Entra ID runbooks: a bearer token from a `TokenCredential`, plain
 * fetch to a configured Graph host, and one place that turns an answer into a result or an {@link AppError}.
 * Never met the real Graph: its wire format follows Microsoft's documentation.
 */

/** The global Graph host. */
export const GRAPH_DEFAULT_BASE_URL = 'https://graph.microsoft.com';

/**
 * The Graph hosts a base URL may name (global, US Government L4 and L5, China operated by 21Vianet), each with the
 * scope of its application permissions. Any other host is refused: a configuration typo must not send a token to it.
 */
const GRAPH_HOSTS: Readonly<Record<string, string>> = {
  'graph.microsoft.com': 'https://graph.microsoft.com/.default',
  'graph.microsoft.us': 'https://graph.microsoft.us/.default',
  'dod-graph.microsoft.us': 'https://dod-graph.microsoft.us/.default',
  'microsoftgraph.chinacloudapi.cn': 'https://microsoftgraph.chinacloudapi.cn/.default',
};
const LOOPBACK = new Set(['127.0.0.1', 'localhost', '[::1]']);

/** The permission (or role) a refused call needed, named in its 401/403 error. */
export type GraphPermission = 'User.Read.All' | 'User.EnableDisableAccount.All' | 'User.RevokeSessions.All';

/** One Graph call, as a dry run shows it and as the client sends it. */
export interface GraphCall {
  method: 'GET' | 'PATCH' | 'POST';
  /** Path and query under the host, e.g. `/v1.0/users/{id}?$select=id`. */
  path: string;
  body?: Readonly<Record<string, unknown>>;
}

/** How a dry run prints a call: `PATCH /v1.0/users/… {"accountEnabled":false}`. */
export function describeCall(call: GraphCall): string {
  return `${call.method} ${call.path}${call.body ? ` ${JSON.stringify(call.body)}` : ''}`;
}

/**
 * A Graph base URL checked: `https://` and one of the Graph hosts, or `http(s)://` on a loopback address (a local
 * stand-in); no credentials, path, query or fragment. Returns the origin and the token scope that goes with it.
 */
export function graphEndpointOf(baseUrl: string): { origin: string; scope: string } {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'the Graph base URL is not a URL', { retryable: false });
  }
  const refuse = (why: string) => new AppError(ErrorCode.CONFIGURATION_INVALID, `the Graph base URL ${why}`, { retryable: false });
  if (url.username !== '' || url.password !== '') throw refuse('may not carry credentials');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search !== '' || url.hash !== '') throw refuse('must be a bare origin (the runbooks add /v1.0/…)');
  if (LOOPBACK.has(url.hostname)) {
    if (url.protocol !== 'http:' && url.protocol !== 'https:') throw refuse('must be http(s)');
    return { origin: url.origin, scope: GRAPH_HOSTS['graph.microsoft.com'] as string };
  }
  const scope = GRAPH_HOSTS[url.hostname];
  if (url.protocol !== 'https:') throw refuse('must use https (plain http only on a loopback address, for a local stand-in)');
  if (scope === undefined || url.port !== '') throw refuse(`must be one of ${Object.keys(GRAPH_HOSTS).map((h) => `https://${h}`).join(', ')}`);
  return { origin: url.origin, scope };
}

/** Options of {@link GraphClient}. */
export interface GraphClientOptions {
  credential: TokenCredential;
  /** Default {@link GRAPH_DEFAULT_BASE_URL}; checked by {@link graphEndpointOf}. */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
  /** How long one call may take; default 30 s. A timed-out call is retryable (its outcome is unknown). */
  timeoutMs?: number;
}

/** Sends {@link GraphCall}s with a bearer token and classifies the answers. */
export class GraphClient {
  readonly #credential: TokenCredential;
  readonly #origin: string;
  readonly #scope: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #now: () => Date;
  readonly #timeoutMs: number;

  constructor(opts: GraphClientOptions) {
    const { origin, scope } = graphEndpointOf(opts.baseUrl ?? GRAPH_DEFAULT_BASE_URL);
    this.#credential = opts.credential;
    this.#origin = origin;
    this.#scope = scope;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#now = opts.now ?? (() => new Date());
    this.#timeoutMs = opts.timeoutMs ?? 30_000;
  }

  /**
   * Sends `call`; a 2xx answer's JSON body (`undefined` for 204 No Content). Errors: 429 and 5xx retryable with
   * `retryAfterSeconds`; 401/403 non-retryable naming `permission` (and `hint`); 404 non-retryable (the user is
   * gone); other 4xx non-retryable with Graph's `code: message`. The token never appears in an error.
   */
  async send<T>(call: GraphCall, permission: GraphPermission, hint = ''): Promise<T> {
    const token = await this.#token();
    const what = `Graph ${call.method} ${call.path.split('?')[0]}`;
    let res: Response;
    try {
      res = await this.#fetch(`${this.#origin}${call.path}`, {
        method: call.method,
        headers: { authorization: `Bearer ${token}`, accept: 'application/json', ...(call.body ? { 'content-type': 'application/json' } : {}) },
        ...(call.body ? { body: JSON.stringify(call.body) } : {}),
        signal: AbortSignal.timeout(this.#timeoutMs),
      });
    } catch (error) {
      const name = error instanceof Error ? error.name : 'unknown error';
      const timedOut = name === 'TimeoutError';
      throw new AppError(timedOut ? ErrorCode.TIMEOUT : ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} ${timedOut ? `timed out after ${this.#timeoutMs} ms (its outcome is unknown)` : `unreachable: ${name}`}`, { retryable: true });
    }
    if (res.ok) {
      const text = res.status === 204 ? '' : await res.text();
      try {
        return (text === '' ? undefined : JSON.parse(text)) as T;
      } catch {
        throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} answered ${res.status} with a body that is not JSON`, { retryable: false, details: { status: res.status } });
      }
    }
    const reason = await errorReasonOf(res);
    const code = reason.includes(':') ? reason.slice(0, reason.indexOf(':')) : '';
    const details = { status: res.status, ...(code ? { graphCode: code } : {}) };
    if (res.status === 429 || res.status >= 500) {
      const after = parseRetryAfter(res.headers.get('retry-after'), this.#now());
      throw new AppError(res.status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} answered ${res.status}${reason ? ` (${reason})` : ''}`, {
        retryable: true,
        details: { ...details, ...(after !== undefined ? { retryAfterSeconds: after } : {}) },
      });
    }
    if (res.status === 401 || res.status === 403) {
      throw new AppError(
        res.status === 401 ? ErrorCode.UNAUTHORIZED : ErrorCode.FORBIDDEN,
        `${what} refused (${res.status}${reason ? `: ${reason}` : ''}); the application needs the Microsoft Graph application permission ${permission}${hint}`,
        { retryable: false, details: { ...details, permission } },
      );
    }
    if (res.status === 404) {
      throw new AppError(ErrorCode.NOT_FOUND, `${what}: no such user in Entra ID (404${reason ? `: ${reason}` : ''})`, { retryable: false, details });
    }
    throw new AppError(ErrorCode.VALIDATION_FAILED, `${what} refused (${res.status}${reason ? `: ${reason}` : ''})`, { retryable: false, details });
  }

  #token(): Promise<string> {
    return bearerToken(this.#credential, this.#scope, 'Graph');
  }

}
