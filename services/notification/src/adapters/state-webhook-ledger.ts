import type { StateStore } from '@soc/state';
import type { DeliveryRecord, WebhookDeliveryLedger } from '../webhooks/ports.ts';

/** The ledger's collection in the state store. */
export const WEBHOOK_LEDGER_COLLECTION = 'webhook-deliveries';

/** Kept well past the bus's longest redelivery window and a DLQ replay, then purged. */
const TTL_SECONDS = 30 * 24 * 3600;

/** The webhook delivery ledger as documents `<eventId>:<subscriber>` in the state store. */
export class StateWebhookLedger implements WebhookDeliveryLedger {
  private readonly state: StateStore;

  constructor(state: StateStore) {
    this.state = state;
  }

  async get(eventId: string, subscriber: string): Promise<DeliveryRecord | undefined> {
    return (await this.state.get<DeliveryRecord>(WEBHOOK_LEDGER_COLLECTION, `${eventId}:${subscriber}`))?.value;
  }

  async record(eventId: string, subscriber: string, record: DeliveryRecord): Promise<void> {
    await this.state.put(WEBHOOK_LEDGER_COLLECTION, `${eventId}:${subscriber}`, { eventId, subscriber, ...record }, { ttlSeconds: TTL_SECONDS });
  }
}
