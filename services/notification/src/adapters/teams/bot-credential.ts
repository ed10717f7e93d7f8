import { EntraClientSecretCredential } from '@soc/outbound';

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
  /** Default `https://login.microsoftonline.com`; tests point it at a loopback stand-in (plain http only there). */
  loginUrl?: string;
  timeoutMs?: number;
  now?: () => number;
}

/**
 * A Bot Connector token by the OAuth 2.0 client credentials grant (the shared {@link EntraClientSecretCredential}):
 * `POST {loginUrl}/{tenant}/oauth2/v2.0/token` with the app id and password and always the scope
 * `https://api.botframework.com/.default`, as the Bot Framework documents for bot-to-connector calls. Cached until
 * five minutes before it expires; a 429 or 5xx is retryable; any other refusal is not, with Entra's error code and
 * never the secret.
 */
export class ClientSecretBotCredential implements BotCredential {
  readonly #credential: EntraClientSecretCredential;

  constructor(options: ClientSecretBotCredentialOptions) {
    this.#credential = new EntraClientSecretCredential({
      tenantId: options.tenant ?? 'botframework.com',
      clientId: options.appId,
      clientSecret: options.appPassword,
      purpose: 'Bot Framework',
      refusalHint: 'check TEAMS_BOT_APP_ID, its password and TEAMS_BOT_TENANT_ID',
      ...(options.loginUrl !== undefined ? { authorityHost: options.loginUrl } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.now !== undefined ? { now: options.now } : {}),
    });
  }

  /** A Bot Connector token; whatever scope is asked for, only the Bot Framework's is requested. */
  async getToken(_scopes?: string | string[]): Promise<{ token: string; expiresOnTimestamp: number }> {
    return this.#credential.getToken(BOT_FRAMEWORK_SCOPE);
  }
}
