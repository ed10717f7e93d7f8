/** A POST to a subscriber and what came back: a status, or no answer at all. */
export type WebhookAnswer = { readonly status: number; readonly retryAfter: string | null } | { readonly error: string };

/** Sends one signed webhook request. Never throws: a network failure or timeout is an `error` answer. */
export interface WebhookTransport {
  post(request: { url: string; headers: Record<string, string>; body: string; timeoutMs: number }): Promise<WebhookAnswer>;
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
