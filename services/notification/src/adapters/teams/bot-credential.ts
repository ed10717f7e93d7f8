import { AppError, ErrorCode, parseRetryAfter } from '@soc/runtime';

/** The scope of a token the Bot Connector accepts. */
export const BOT_FRAMEWORK_SCOPE = 'https://api.botframework.com/.default';

/**
 * Where a Bot Connector token comes from. The shape of `@azure/identity`'s `TokenCredential`, so a managed or
 * workload identity (`WorkloadIdentityCredential`, `ManagedIdentityCredential` of a bot registered with one) can
 * replace the client secret without touching the poster.
 */
export interface BotCredential {
  getToken(scopes: string | string[]): Promise<{ token: string; expiresOnTimestamp?: number } | null>;
}

/** Options of {@link ClientSecretBotCredential}. */
export interface ClientSecretBotCredentialOptions {
  /** The bot's Microsoft App ID (its Entra app registration's client id). */
  appId: string;
  /** The app's client secret ("app password"); sent only in the token request's form body, never logged. */
  appPassword: string;
  /** The app's tenant for a single-tenant bot; `botframework.com` (default) for a multi-tenant one. */
  tenant?: string;
  /** Default `https://login.microsoftonline.com`; tests point it at a stand-in. */
  loginUrl?: string;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * A Bot Connector token by the OAuth 2.0 client credentials grant:
 * `POST {loginUrl}/{tenant}/oauth2/v2.0/token` with `grant_type=client_credentials`, the app id and password and
 * scope `https://api.botframework.com/.default`, as the Bot Framework documents for bot-to-connector calls. Cached
 * until five minutes before it expires. A 429 or 5xx is retryable; any other refusal (`invalid_client`,
 * `unauthorized_client`) is not, with Entra's error code and never the secret.
 */
export class ClientSecretBotCredential implements BotCredential {
  readonly #options: ClientSecretBotCredentialOptions;
  readonly #now: () => number;
  #cached: { token: string; expiresOnTimestamp: number } | undefined;

  constructor(options: ClientSecretBotCredentialOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  async getToken(): Promise<{ token: string; expiresOnTimestamp: number }> {
    if (this.#cached !== undefined && this.#cached.expiresOnTimestamp - 5 * 60_000 > this.#now()) return this.#cached;
    const { appId, appPassword } = this.#options;
    const tenant = this.#options.tenant ?? 'botframework.com';
    const url = `${(this.#options.loginUrl ?? 'https://login.microsoftonline.com').replace(/\/+$/, '')}/${encodeURIComponent(tenant)}/oauth2/v2.0/token`;
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: appId, client_secret: appPassword, scope: BOT_FRAMEWORK_SCOPE }).toString(),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 10_000),
      });
    } catch (error) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Bot Framework token endpoint could not be reached: ${(error as Error).name}`, { retryable: true });
    }
    const answer = (await res.json().catch(() => undefined)) as { access_token?: unknown; expires_in?: unknown; error?: unknown } | undefined;
    if (res.status === 429 || res.status >= 500) {
      const retryAfterSeconds = parseRetryAfter(res.headers.get('retry-after'), new Date(this.#now()));
      throw new AppError(res.status === 429 ? ErrorCode.RATE_LIMITED : ErrorCode.DEPENDENCY_UNAVAILABLE, `Bot Framework token endpoint answered ${res.status}`, {
        retryable: true,
        details: { status: res.status, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
      });
    }
    if (res.status !== 200 || typeof answer?.access_token !== 'string') {
      // Entra's error code only (`invalid_client`): its description can quote the request.
      const error = typeof answer?.error === 'string' ? answer.error.slice(0, 64) : 'no token';
      throw new AppError(ErrorCode.UNAUTHORIZED, `Bot Framework token refused (${res.status} ${error}): check TEAMS_BOT_APP_ID, its password and TEAMS_BOT_TENANT_ID`, { retryable: false, details: { status: res.status, error } });
    }
    const seconds = typeof answer.expires_in === 'number' ? answer.expires_in : Number(answer.expires_in ?? 3600);
    this.#cached = { token: answer.access_token, expiresOnTimestamp: this.#now() + (Number.isFinite(seconds) ? seconds : 3600) * 1000 };
    return this.#cached;
  }
}
