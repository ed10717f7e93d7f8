import { createHash } from 'node:crypto';
import { ErrorCode, isAppError } from '@soc/runtime';
import type { StateStore } from '@soc/state';
import type { LedgerClaim, SentLedger } from '../ports.ts';

/** The state collection of the e-mail sent-ledger. */
export const SENT_LEDGER_COLLECTION = 'mail-sent';
/** The state collection of the chat-post ledger (Slack cards: `chat.postMessage` has no idempotency key). */
export const CHAT_POST_LEDGER_COLLECTION = 'chat-posted';

type Entry =
  | { key: string; status: 'claimed'; claimedAt: string }
  | { key: string; status: 'sent'; claimedAt: string; deliveryId: string; sentAt: string };

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

/** Ids are bounded in length; a key is whatever an action id is, so it is hashed. */
const idOf = (key: string): string => createHash('sha256').update(key).digest('hex');

/** The sent-ledger (e-mail, or chat posts by `collection`) on the state port: one document per key, created with `ifNoneMatch`, taken over with `ifMatch`. */
export class StateSentLedger implements SentLedger {
  readonly #state: StateStore;
  readonly #now: () => Date;
  readonly #leaseMs: number;
  readonly #ttl: number;
  readonly #collection: string;
  constructor(state: StateStore, options: StateSentLedgerOptions) {
    this.#state = state;
    this.#collection = options.collection ?? SENT_LEDGER_COLLECTION;
    this.#now = options.now;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#ttl = options.ttlSeconds ?? 30 * 24 * 3600;
  }

  async claim(key: string): Promise<LedgerClaim> {
    const id = idOf(key);
    const fresh: Entry = { key, status: 'claimed', claimedAt: this.#now().toISOString() };
    try {
      await this.#state.put(this.#collection, id, fresh, { ifNoneMatch: '*', ttlSeconds: this.#ttl });
      return { kind: 'claimed' };
    } catch (error) {
      if (!isAppError(error) || error.code !== ErrorCode.CONFLICT) throw error;
    }
    const existing = await this.#state.get<Entry>(this.#collection, id);
    // Released (deleted) between our create and our read: the caller retries and claims it then.
    if (!existing) return { kind: 'busy' };
    const entry = existing.value;
    if (entry.status === 'sent') return { kind: 'sent', deliveryId: entry.deliveryId };
    if (this.#now().getTime() - Date.parse(entry.claimedAt) < this.#leaseMs) return { kind: 'busy' };
    try {
      // Take the stale claim over; of two attempts taking it at once, the second fails the etag check.
      await this.#state.put(this.#collection, id, fresh, { ifMatch: existing.etag, ttlSeconds: this.#ttl });
    } catch (error) {
      if (isAppError(error) && error.code === ErrorCode.PRECONDITION_FAILED) return { kind: 'busy' };
      throw error;
    }
    return { kind: 'in-doubt', claimedAt: entry.claimedAt };
  }

  async markSent(key: string, deliveryId: string): Promise<void> {
    const now = this.#now().toISOString();
    const existing = await this.#state.get<Entry>(this.#collection, idOf(key));
    const entry: Entry = { key, status: 'sent', claimedAt: existing?.value.claimedAt ?? now, deliveryId, sentAt: now };
    await this.#state.put(this.#collection, idOf(key), entry, { ttlSeconds: this.#ttl });
  }

  async release(key: string): Promise<void> {
    await this.#state.delete(this.#collection, idOf(key));
  }

  async lookup(key: string): Promise<LedgerClaim | undefined> {
    const existing = await this.#state.get<Entry>(this.#collection, idOf(key));
    if (!existing) return undefined;
    const entry = existing.value;
    if (entry.status === 'sent') return { kind: 'sent', deliveryId: entry.deliveryId };
    // Only `claim` takes a stale claim over; a lookup just says whether it is still fresh.
    return this.#now().getTime() - Date.parse(entry.claimedAt) < this.#leaseMs
      ? { kind: 'busy' }
      : { kind: 'in-doubt', claimedAt: entry.claimedAt };
  }
}
