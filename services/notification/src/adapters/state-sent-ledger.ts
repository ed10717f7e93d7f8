import { StateClaimLedger, type StateStore } from '@soc/state';
import type { SentLedger } from '../ports.ts';

/** The state collection of the e-mail sent-ledger. */
export const SENT_LEDGER_COLLECTION = 'mail-sent';
/** The state collection of the chat-post ledger (Slack cards: `chat.postMessage` has no idempotency key). */
export const CHAT_POST_LEDGER_COLLECTION = 'chat-posted';

/** Options of {@link StateSentLedger}. */
export interface StateSentLedgerOptions {
  now: () => Date;
  /**
   * How long a claim without an outcome stops other attempts. A crashed holder's message is redelivered once the
   * bus lock runs out, so the lease must not outlast it (or the redelivery's few quick retries all meet `busy` and
   * dead-letter); the composition root passes `BUS_LOCK_DURATION_MS`. Default 30 s.
   */
  leaseMs?: number;
  /** How long a key is remembered. Default 30 days (longer than any redelivery or DLQ replay is expected). */
  ttlSeconds?: number;
  /** The state collection; default {@link SENT_LEDGER_COLLECTION} (e-mail). */
  collection?: string;
}

/** A sent entry as this ledger wrote it before it was a {@link StateClaimLedger}: `status: 'sent'` and a delivery id. */
const sentBefore = (stored: Readonly<Record<string, unknown>>): string | undefined =>
  stored.status === 'sent' && typeof stored.deliveryId === 'string' ? stored.deliveryId : undefined;

/**
 * The sent-ledger (e-mail, or chat posts by `collection`): the state store's lease-claim ledger, whose outcome is the
 * transport's delivery id; entries written before it was one read as done.
 */
export class StateSentLedger extends StateClaimLedger implements SentLedger {
  constructor(state: StateStore, options: StateSentLedgerOptions) {
    super(state, {
      collection: options.collection ?? SENT_LEDGER_COLLECTION,
      now: options.now,
      ...(options.leaseMs !== undefined ? { leaseMs: options.leaseMs } : {}),
      ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
      legacyOutcome: sentBefore,
    });
  }
}
