import { type Claim, type ClaimLedger, StateClaimLedger, type StateStore } from '@soc/state';
import type { WriteBackLedger } from '../ports.ts';

/** The state collection of the write-back ledger. */
export const WRITEBACK_LEDGER_COLLECTION = 'siem-writebacks';

/** Options of {@link StateWriteBackLedger}. */
export interface StateWriteBackLedgerOptions {
  /** How long a claim without an outcome holds other deliveries back; the composition root passes `BUS_LOCK_DURATION_MS`. Default 30 s. */
  leaseMs?: number;
  /** How long a key is remembered. Default 30 days. */
  ttlSeconds?: number;
}

/** The outcome recorded for a write-back found in the ledger's first shape. */
const WRITTEN_BEFORE = 'written-before';

/**
 * The write-back ledger: the state store's lease-claim ledger in {@link WRITEBACK_LEDGER_COLLECTION}. Before it was
 * one, the ledger stored `{ key, at }` under the raw key once a write-back was done (never a claim); such a document
 * still means done, so a key about to be acted on is looked up there first.
 */
export class StateWriteBackLedger implements WriteBackLedger {
  readonly #state: StateStore;
  readonly #claims: ClaimLedger;
  constructor(state: StateStore, now: () => Date, options: StateWriteBackLedgerOptions = {}) {
    this.#state = state;
    this.#claims = new StateClaimLedger(state, { collection: WRITEBACK_LEDGER_COLLECTION, now, ...options });
  }

  async claim(key: string): Promise<Claim> {
    const claim = await this.#claims.claim(key);
    if ((claim.kind === 'claimed' || claim.kind === 'in-doubt') && (await this.#writtenBefore(key))) {
      await this.#claims.markDone(key, WRITTEN_BEFORE);
      return { kind: 'done', outcome: WRITTEN_BEFORE };
    }
    return claim;
  }

  markDone(key: string, outcome: string): Promise<void> {
    return this.#claims.markDone(key, outcome);
  }

  release(key: string): Promise<void> {
    return this.#claims.release(key);
  }

  async lookup(key: string): Promise<Exclude<Claim, { kind: 'claimed' }> | undefined> {
    return (await this.#claims.lookup(key)) ?? ((await this.#writtenBefore(key)) ? { kind: 'done', outcome: WRITTEN_BEFORE } : undefined);
  }

  /** A document of the first shape: the raw key (a `graph:` or `graph-status:` key, never a 64-hex hash) as its id. */
  async #writtenBefore(key: string): Promise<boolean> {
    return (await this.#state.get(WRITEBACK_LEDGER_COLLECTION, key)) !== undefined;
  }
}
