import { ownClosureComment, statusBeforeOwnClosure } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';
import type { GraphAlertComments, GraphAlertStatus } from '../ports.ts';
import type { GraphAlertVerdict } from '../siem-classification.ts';
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
export class GraphAlertWriter implements GraphAlertComments, GraphAlertStatus {
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

  /**
   * `PATCH /v1.0/security/alerts_v2/{id}` with status (when given), classification and determination. Closing it
   * (`resolved`) is preceded by a GET of its status and a closing comment that names it (`ownClosureComment`), so the
   * alert re-read with our closure is read with its earlier status: never a new revision (ADR 0009). The comment goes
   * first: an alert read between the two is open with one more comment, which is no revision either. A PATCH without
   * status (a true positive) of an alert we resolved gives it back the status our closing comment names.
   */
  async updateAlert(alertId: string, verdict: GraphAlertVerdict, comment: string): Promise<void> {
    const url = `${(this.#options.baseUrl ?? 'https://graph.microsoft.com').replace(/\/+$/, '')}/v1.0/security/alerts_v2/${encodeURIComponent(alertId)}`;
    const current = await this.#read(url, alertId);
    let patch: Record<string, string> = { ...verdict };
    if (verdict.status === 'resolved') {
      const closing = ownClosureComment(comment, current.status);
      // Posted already by an attempt whose PATCH failed (an outage): not twice.
      if (!current.comments.includes(closing)) await this.postComment(alertId, closing);
    } else if (current.status === 'resolved') {
      // Resolved by us on an earlier disposition: back to the status it had (read as before our closure, no revision).
      const before = current.comments.map(statusBeforeOwnClosure).filter((b) => b !== undefined).at(-1);
      if (before !== undefined && before !== 'resolved') patch = { status: before, ...patch };
    }
    const token = await tokenFor(this.#options.credential, GRAPH_SCOPE, 'Microsoft Graph');
    const res = await send(
      this.#options.fetch ?? globalThis.fetch,
      url,
      {
        method: 'PATCH',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify(patch),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
      },
      'Microsoft Graph',
    );
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    throw await failureOf(res, `Graph alert update ${alertId}`, (this.#options.now ?? (() => new Date()))());
  }

  async #read(url: string, alertId: string): Promise<{ status: string; comments: string[] }> {
    const token = await tokenFor(this.#options.credential, GRAPH_SCOPE, 'Microsoft Graph');
    const res = await send(
      this.#options.fetch ?? globalThis.fetch,
      `${url}?$select=id,status,comments`,
      { method: 'GET', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000) },
      'Microsoft Graph',
    );
    if (!res.ok) throw await failureOf(res, `Graph alert ${alertId}`, (this.#options.now ?? (() => new Date()))());
    let body: { status?: unknown; comments?: unknown };
    try {
      body = (await res.json()) as typeof body;
    } catch (error) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Graph alert ${alertId} answered invalid JSON`, { retryable: true, cause: error });
    }
    const comments = Array.isArray(body.comments) ? body.comments.flatMap((c: unknown) => (typeof (c as { comment?: unknown })?.comment === 'string' ? [(c as { comment: string }).comment] : [])) : [];
    return { status: typeof body.status === 'string' && /^[A-Za-z]{1,20}$/.test(body.status) ? body.status : 'unknown', comments };
  }
}
