/** A POST to a subscriber and what came back: a status, or no answer at all. */
export type WebhookAnswer = { readonly status: number; readonly retryAfter: string | null } | { readonly error: string };

/** One signed POST to make. */
export interface WebhookRequest {
  readonly url: string;
  readonly headers: Record<string, string>;
  readonly body: string;
  readonly timeoutMs: number;
  /** The delivery's signal: aborts the request when the message lock is about to expire or the consumer closes. */
  readonly signal?: AbortSignal;
}

/** Sends one signed webhook request. Never throws: a network failure or timeout is an `error` answer. */
export interface WebhookTransport {
  post(request: WebhookRequest): Promise<WebhookAnswer>;
}

/** How a (event, subscriber) pair ended; absent while it is still to be tried. */
export interface DeliveryRecord {
  readonly outcome: 'delivered' | 'rejected';
  readonly status: number;
  readonly reason?: string;
  readonly at: string;
}

/** Remembers which subscribers already have an event, so a redelivery retries only the ones that failed. */
export interface WebhookDeliveryLedger {
  get(eventId: string, subscriber: string): Promise<DeliveryRecord | undefined>;
  record(eventId: string, subscriber: string, record: DeliveryRecord): Promise<void>;
}
