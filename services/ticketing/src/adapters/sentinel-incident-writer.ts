import type { SentinelIncidentComments, SentinelIncidentRef } from '../ports.ts';
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
export class SentinelIncidentWriter implements SentinelIncidentComments {
  readonly #options: SentinelIncidentWriterOptions;
  constructor(options: SentinelIncidentWriterOptions) {
    this.#options = options;
  }

  async putComment(incident: SentinelIncidentRef, commentId: string, message: string): Promise<void> {
    const token = await tokenFor(this.#options.credential, ARM_SCOPE, 'Azure Resource Manager');
    const e = encodeURIComponent;
    const path =
      `/subscriptions/${e(incident.subscriptionId)}/resourceGroups/${e(incident.resourceGroup)}` +
      `/providers/Microsoft.OperationalInsights/workspaces/${e(incident.workspace)}` +
      `/providers/Microsoft.SecurityInsights/incidents/${e(incident.incidentId)}/comments/${e(commentId)}`;
    const url = `${(this.#options.baseUrl ?? 'https://management.azure.com').replace(/\/+$/, '')}${path}?api-version=${SECURITY_INSIGHTS_API_VERSION}`;
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
