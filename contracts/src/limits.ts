import { Buffer } from 'node:buffer';

/**
 * Size budgets of the events an alert's journey produces, in one place.
 *
 * Why these numbers: Azure Service Bus (standard tier) refuses a message over 256 KB, and that limit counts the
 * AMQP header and the application properties (which may take up to 64 KB) as well as the body; Cosmos DB caps an
 * item at 2 MB and the case view stores several events of one journey. An event that does not fit is refused by
 * the broker with a non-retryable error, so a journey whose events grow past it would stop half-way. Every event
 * of an alert's journey therefore has to fit {@link MAX_EVENT_BYTES}, and the alert — which `received`, `enriched`,
 * `triaged` and `decision.made` each carry whole — is capped at the edge (ingestion) to {@link MAX_ALERT_BYTES};
 * the parts later stages add have their own shares, so that the largest event (`soc.alert.triaged.v1`: alert +
 * enrichment + triage; `soc.decision.made.v1`: alert + triage + actions) stays under the event budget.
 */
export const MAX_EVENT_BYTES = 224 * 1024;

/** Budget of the normalised alert (its JSON, UTF-8 bytes); ingestion shrinks an alert to fit it. */
export const MAX_ALERT_BYTES = 80 * 1024;

/** Budget of the enrichment (facts and missing sources) of one alert; enrichment leaves out facts past it, saying so. */
export const MAX_ENRICHMENT_BYTES = 48 * 1024;

/** Budget of the triage (factors, summary, next steps, ATT&CK, copilot note) of one alert. */
export const MAX_TRIAGE_BYTES = 48 * 1024;

/** Budget of a decision's actions and refusals. */
export const MAX_DECISION_ACTIONS_BYTES = 32 * 1024;

/** The marker that ends text cut to fit a limit. */
export const CLIP_MARKER = '…';

/** The size of a value as it travels (JSON, UTF-8 bytes). */
export function jsonBytes(value: unknown): number {
  return Buffer.byteLength(JSON.stringify(value) ?? '', 'utf8');
}

/**
 * Text shown to people, cut to at most `max` characters with a visible marker when it is longer. Only for free
 * text: never for an id or an indicator (a cut URL or hash is a different indicator). A surrogate pair is never
 * split.
 */
export function clipText(text: string, max: number): string {
  if (text.length <= max) return text;
  let end = Math.max(0, max - CLIP_MARKER.length);
  const last = text.charCodeAt(end - 1);
  if (last >= 0xd800 && last <= 0xdbff) end--;
  return `${text.slice(0, end)}${CLIP_MARKER}`;
}
