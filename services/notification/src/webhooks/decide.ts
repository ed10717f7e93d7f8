import { createHmac } from 'node:crypto';
import { type EventByType, SEVERITY_ID } from '@soc/contracts';
import { parseRetryAfter } from '@soc/runtime';
import type { SigningKey, WebhookEventType, WebhookSubscriber } from './config.ts';

/** An event a webhook subscriber can receive. */
export type WebhookEvent = EventByType<WebhookEventType>;

/** Whether a subscriber asked for this event: its type, then the filter (severity at least, verdict, tenant). */
export function wants(subscriber: WebhookSubscriber, event: WebhookEvent): boolean {
  if (!subscriber.types.includes(event.type)) return false;
  const { alert, triage } = event.data;
  const { minSeverity, verdicts, tenants } = subscriber.filter;
  if (minSeverity !== undefined && SEVERITY_ID[alert.severity] < SEVERITY_ID[minSeverity]) return false;
  if (verdicts !== undefined && !verdicts.includes(triage.verdict.class)) return false;
  if (tenants !== undefined && !tenants.includes(event.tenantid)) return false;
  return true;
}

/**
 * The Standard Webhooks headers (https://www.standardwebhooks.com): the signed content is
 * `{webhook-id}.{webhook-timestamp}.{body}`, one `v1,<base64 HMAC-SHA256>` per active key, space-separated, so a
 * subscriber holding either key of a rotation accepts. `webhook-key-id` lists the key ids in the same order.
 */
export function signedHeaders(id: string, timestampSeconds: number, body: string, keys: readonly SigningKey[]): Record<string, string> {
  const content = `${id}.${timestampSeconds}.${body}`;
  return {
    'content-type': 'application/cloudevents+json; charset=utf-8',
    'webhook-id': id,
    'webhook-timestamp': String(timestampSeconds),
    'webhook-signature': keys.map((k) => `v1,${createHmac('sha256', k.secret).update(content).digest('base64')}`).join(' '),
    'webhook-key-id': keys.map((k) => k.keyId).join(' '),
  };
}

/** What a subscriber's answer (or its absence) means for this delivery. */
export type DeliveryVerdict =
  | { readonly kind: 'delivered'; readonly status: number }
  | { readonly kind: 'retry'; readonly reason: string; readonly retryAfterSeconds?: number }
  | { readonly kind: 'rejected'; readonly reason: string };

/** The longest Retry-After honoured; a longer one is capped so one subscriber cannot park the message for days. */
export const MAX_RETRY_AFTER_SECONDS = 3600;

/**
 * Classifies an answer: 2xx delivered; 408, 429 and 5xx retry (honouring Retry-After in seconds or as an HTTP
 * date); any other status is a permanent rejection for that subscriber. A network failure or timeout is `retry`.
 */
export function classifyAnswer(answer: { status: number; retryAfter: string | null } | { error: string }, now: Date): DeliveryVerdict {
  if ('error' in answer) return { kind: 'retry', reason: answer.error };
  const { status } = answer;
  if (status >= 200 && status < 300) return { kind: 'delivered', status };
  if (status === 408 || status === 429 || status >= 500) {
    const after = retryAfterSeconds(answer.retryAfter, now);
    return { kind: 'retry', reason: `HTTP ${status}`, ...(after === undefined ? {} : { retryAfterSeconds: after }) };
  }
  return { kind: 'rejected', reason: `HTTP ${status}` };
}

function retryAfterSeconds(header: string | null, now: Date): number | undefined {
  const seconds = parseRetryAfter(header, now);
  return seconds === undefined ? undefined : Math.min(MAX_RETRY_AFTER_SECONDS, seconds);
}
