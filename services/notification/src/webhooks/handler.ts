import { NOTHING, dispatch, type DeliveryInfo, type EventHandler } from '@soc/bus';
import type { Logger } from '@soc/observability';
import { AppError, type Clock, ErrorCode } from '@soc/runtime';
import type { WebhookSubscriber } from './config.ts';
import { classifyAnswer, signedHeaders, wants, type WebhookEvent } from './decide.ts';
import type { WebhookDeliveryLedger, WebhookTransport } from './ports.ts';

/** What the webhook handler needs. */
export interface WebhookDeps {
  readonly subscribers: readonly WebhookSubscriber[];
  readonly transport: WebhookTransport;
  readonly ledger: WebhookDeliveryLedger;
  readonly clock: Clock;
  readonly log: Pick<Logger, 'info' | 'warn'>;
  /** Counts each attempt's outcome per subscriber (the service wires `soc_outbound_deliveries_total`). */
  readonly count: (subscriber: string, outcome: 'delivered' | 'rejected' | 'failed') => void;
}

/**
 * Delivers each decision and triage event to the subscribers that asked for it, as a signed CloudEvent. A
 * subscriber that took it (2xx) or refused it for good (4xx other than 408/429) is written to the ledger, so a
 * redelivery of the event goes only to the subscribers still failing. Any retryable failure is thrown as one
 * retryable AppError naming them: the bus redelivers with its backoff and, after its last delivery, dead-letters the
 * event with that reason. The retry schedule is the bus's; nothing here loops.
 */
export function makeWebhookHandler(deps: WebhookDeps): EventHandler {
  const deliver = async (event: WebhookEvent, delivery: DeliveryInfo) => {
    const due = deps.subscribers.filter((s) => wants(s, event));
    if (due.length === 0) return NOTHING;
    const body = JSON.stringify(event);
    const failures = await Promise.all(due.map((s) => deliverTo(deps, s, event, body, delivery.signal)));
    const retry = failures.filter((f) => f !== undefined);
    if (retry.length > 0) {
      const retryAfterSeconds = Math.max(0, ...retry.map((f) => f.retryAfterSeconds ?? 0));
      throw new AppError(
        retry.some((f) => f.reason === 'HTTP 429') ? ErrorCode.RATE_LIMITED : ErrorCode.DEPENDENCY_UNAVAILABLE,
        `webhook delivery failed for ${retry.map((f) => `${f.subscriber} (${f.reason})`).join(', ')}`,
        { retryable: true, details: { subscribers: retry.map((f) => f.subscriber), ...(retryAfterSeconds > 0 ? { retryAfterSeconds } : {}) } },
      );
    }
    return NOTHING;
  };
  return dispatch('notification-webhooks', { 'soc.decision.made.v2': deliver, 'soc.alert.triaged.v1': deliver });
}

interface RetryableFailure {
  readonly subscriber: string;
  readonly reason: string;
  readonly retryAfterSeconds?: number;
}

async function deliverTo(deps: WebhookDeps, s: WebhookSubscriber, event: WebhookEvent, body: string, signal: AbortSignal): Promise<RetryableFailure | undefined> {
  if ((await deps.ledger.get(event.id, s.name)) !== undefined) return undefined;
  const now = deps.clock.now();
  // The webhook id is the event id: every redelivery carries the same one, so a subscriber can dedupe on it.
  const headers = signedHeaders(event.id, Math.floor(now.getTime() / 1000), body, s.keys);
  const answer = await deps.transport.post({ url: s.url, headers, body, timeoutMs: s.timeoutMs, signal });
  const verdict = classifyAnswer(answer, now);
  const ids = { subscriber: s.name, eventId: event.id, eventType: event.type, correlationid: event.correlationid };
  switch (verdict.kind) {
    case 'delivered':
      await deps.ledger.record(event.id, s.name, { outcome: 'delivered', status: verdict.status, at: now.toISOString() });
      deps.log.info({ ...ids, status: verdict.status }, 'webhook delivered');
      deps.count(s.name, 'delivered');
      return undefined;
    case 'rejected':
      await deps.ledger.record(event.id, s.name, {
        outcome: 'rejected',
        status: 'status' in answer ? answer.status : 0,
        reason: verdict.reason,
        at: now.toISOString(),
      });
      deps.log.warn({ ...ids, reason: verdict.reason }, 'webhook rejected by the subscriber; not retried');
      deps.count(s.name, 'rejected');
      return undefined;
    case 'retry':
      deps.log.warn({ ...ids, reason: verdict.reason }, 'webhook delivery failed; the bus retries it');
      deps.count(s.name, 'failed');
      return { subscriber: s.name, reason: verdict.reason, ...(verdict.retryAfterSeconds === undefined ? {} : { retryAfterSeconds: verdict.retryAfterSeconds }) };
  }
}
