import { ownClosureComment, statusBeforeOwnClosure } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';
import type { SentinelIncidentComments, SentinelIncidentRef, SentinelIncidentStatus } from '../ports.ts';
import type { SentinelClosure } from '../siem-classification.ts';
import { type AzureCredential, failureOf, send, tokenFor } from './azure-http.ts';

/** The token scope of Azure Resource Manager. */
export const ARM_SCOPE = 'https://management.azure.com/.default';
/** The SecurityInsights REST API version the writer speaks (GA). */
export const SECURITY_INSIGHTS_API_VERSION = '2024-03-01';

/** Options of {@link SentinelIncidentWriter}. */
export interface SentinelIncidentWriterOptions {
  credential: AzureCredential;
  /** Default `https://management.azure.com`; a sovereign cloud's ARM endpoint or a test stand-in. */
  baseUrl?: string;
  timeoutMs?: number;
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
}

/**
 * Comments on a Microsoft Sentinel incident with the SecurityInsights REST API: `PUT …/incidents/{id}/comments/{commentId}`
 * with `{"properties":{"message"}}`. A PUT under the same comment id replaces that comment, so a redelivery writes
 * nothing new. Needs the Microsoft Sentinel Responder role on the workspace. Never met the real service.
 */
/** The incident properties a PUT carries over from the GET: the required ones and the writable ones a PUT would clear. */
const CARRIED = ['title', 'description', 'severity', 'owner', 'labels', 'firstActivityTimeUtc', 'lastActivityTimeUtc'] as const;

export class SentinelIncidentWriter implements SentinelIncidentComments, SentinelIncidentStatus {
  readonly #options: SentinelIncidentWriterOptions;
  constructor(options: SentinelIncidentWriterOptions) {
    this.#options = options;
  }

  #incidentUrl(incident: SentinelIncidentRef, sub = ''): string {
    const e = encodeURIComponent;
    const path =
      `/subscriptions/${e(incident.subscriptionId)}/resourceGroups/${e(incident.resourceGroup)}` +
      `/providers/Microsoft.OperationalInsights/workspaces/${e(incident.workspace)}` +
      `/providers/Microsoft.SecurityInsights/incidents/${e(incident.incidentId)}${sub}`;
    return `${(this.#options.baseUrl ?? 'https://management.azure.com').replace(/\/+$/, '')}${path}?api-version=${SECURITY_INSIGHTS_API_VERSION}`;
  }

  /**
   * Incidents – Get, then Incidents – Create Or Update: an incident PUT replaces the incident, so it carries the etag
   * (in the body and as `If-Match`), the required `title`, `severity` and `status`, and the writable properties read
   * (description, owner, labels, activity times) so that closing it clears nothing. A 412 (someone changed the incident
   * in between) is retryable: the redelivery reads it again.
   */
  async close(incident: SentinelIncidentRef, closure: SentinelClosure, comment: string): Promise<'closed' | 'unchanged'> {
    const { token, etag, props } = await this.#read(incident);
    if (props['status'] === closure.status && props['classification'] === closure.classification && props['classificationReason'] === closure.classificationReason) return 'unchanged';
    // The comment names the status the incident had, so its re-send reads as that status (ADR 0009): never a revision.
    await this.#put(incident, token, etag, { ...this.#carried(props), ...closure, classificationComment: ownClosureComment(comment, String(props['status'] ?? 'New')) });
    return 'closed';
  }

  async reopenOwnClosure(incident: SentinelIncidentRef): Promise<'reopened' | 'unchanged'> {
    const { token, etag, props } = await this.#read(incident);
    const before = statusBeforeOwnClosure(props['classificationComment']);
    if (props['status'] !== 'Closed' || before === undefined || before === 'Closed') return 'unchanged';
    // The status it had before our closure and no classification: read as it was before we closed it (no revision).
    await this.#put(incident, token, etag, { ...this.#carried(props), status: before });
    return 'reopened';
  }

  #carried(props: Record<string, unknown>): Record<string, unknown> {
    return Object.fromEntries(CARRIED.filter((k) => props[k] !== undefined && props[k] !== null).map((k) => [k, props[k]]));
  }

  async #read(incident: SentinelIncidentRef): Promise<{ token: string; etag: string; props: Record<string, unknown> }> {
    const token = await tokenFor(this.#options.credential, ARM_SCOPE, 'Azure Resource Manager');
    const got = await send(
      this.#options.fetch ?? globalThis.fetch,
      this.#incidentUrl(incident),
      { method: 'GET', headers: { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000) },
      'Azure Resource Manager',
    );
    if (!got.ok) throw await failureOf(got, `Sentinel incident ${incident.incidentId}`, (this.#options.now ?? (() => new Date()))());
    let current: { etag?: unknown; properties?: Record<string, unknown> };
    try {
      current = (await got.json()) as typeof current;
    } catch (error) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Sentinel incident ${incident.incidentId} answered invalid JSON`, { retryable: true, cause: error });
    }
    const props = current.properties ?? {};
    if (typeof current.etag !== 'string' || typeof props['title'] !== 'string' || typeof props['severity'] !== 'string') {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Sentinel incident ${incident.incidentId} answered without etag, title or severity`, { retryable: false });
    }
    return { token, etag: current.etag, props };
  }

  async #put(incident: SentinelIncidentRef, token: string, etag: string, properties: Record<string, unknown>): Promise<void> {
    const res = await send(
      this.#options.fetch ?? globalThis.fetch,
      this.#incidentUrl(incident),
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json', 'if-match': etag },
        body: JSON.stringify({ etag, properties }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
      },
      'Azure Resource Manager',
    );
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    if (res.status === 412) {
      await res.body?.cancel();
      throw new AppError(ErrorCode.CONFLICT, `Sentinel incident ${incident.incidentId} changed between our read and write (412)`, { retryable: true });
    }
    throw await failureOf(res, `Sentinel incident ${incident.incidentId}`, (this.#options.now ?? (() => new Date()))());
  }

  async putComment(incident: SentinelIncidentRef, commentId: string, message: string): Promise<void> {
    const token = await tokenFor(this.#options.credential, ARM_SCOPE, 'Azure Resource Manager');
    const url = this.#incidentUrl(incident, `/comments/${encodeURIComponent(commentId)}`);
    const res = await send(
      this.#options.fetch ?? globalThis.fetch,
      url,
      {
        method: 'PUT',
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ properties: { message } }),
        signal: AbortSignal.timeout(this.#options.timeoutMs ?? 30_000),
      },
      'Azure Resource Manager',
    );
    if (res.ok) {
      await res.body?.cancel();
      return;
    }
    throw await failureOf(res, `Sentinel incident comment ${incident.incidentId}`, (this.#options.now ?? (() => new Date()))());
  }
}
