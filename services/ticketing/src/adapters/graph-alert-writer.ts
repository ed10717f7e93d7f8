import type { GraphAlertComments } from '../ports.ts';
import { type AzureCredential, failureOf, send, tokenFor } from './azure-http.ts';

/** The token scope of Microsoft Graph application permissions. */
export const GRAPH_SCOPE = 'https://graph.microsoft.com/.default';

/** Options of {@link GraphAlertWriter}. */
export interface GraphAlertWriterOptions {
  credential: AzureCredential;
  /** Default `https://graph.microsoft.com`; a national cloud's Graph endpoint or a test stand-in. */
  baseUrl?: string;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
}

/**
 * Comments on a Microsoft Graph security alert: `POST /v1.0/security/alerts_v2/{id}/comments` with an
 * `alertComment`. Each POST adds a comment (not idempotent): the caller checks its ledger first. Needs the application
 * permission `SecurityAlert.ReadWrite.All`. Never met the real service.
 */
export class GraphAlertWriter implements GraphAlertComments {
  readonly #options: GraphAlertWriterOptions;
  constructor(options: GraphAlertWriterOptions) {
    this.#options = options;
  }

  async postComment(alertId: string, comment: string): Promise<void> {
    const token = await tokenFor(this.#options.credential, GRAPH_SCOPE, 'Microsoft Graph');
    const url = `${(this.#options.baseUrl ?? 'https://graph.microsoft.com').replace(/\/+$/, '')}/v1.0/security/alerts_v2/${encodeURIComponent(alertId)}/comments`;
    const res = await send(
      this.#options.fetch ?? globalThis.fetch,
      url,
      {
        method: 'POST',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ '@odata.type': 'microsoft.graph.security.alertComment', comment }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
      },
      'Microsoft Graph',
    );
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    throw await failureOf(res, `Graph alert comment ${alertId}`, (this.#options.now ?? (() => new Date()))());
  }
}
