import type { StateStore } from '@soc/state';
import type { WriteBackLedger } from '../ports.ts';

const COLLECTION = 'siem-writebacks';

/** The write-back ledger in the state store: one document per key, with when it was written. */
export class StateWriteBackLedger implements WriteBackLedger {
  readonly #state: StateStore;
  readonly #now: () => Date;
  constructor(state: StateStore, now: () => Date) {
    this.#state = state;
    this.#now = now;
  }

  async has(key: string): Promise<boolean> {
    return (await this.#state.get(COLLECTION, key)) !== undefined;
  }

  async record(key: string): Promise<void> {
    await this.#state.put(COLLECTION, key, { key, at: this.#now().toISOString() });
  }
}
