import { claimOnce } from '@soc/state';
import type { ChatPoster, OutgoingChat, SentLedger } from '../ports.ts';

/** Options of {@link LedgeredChatPoster}. */
export interface LedgeredChatPosterOptions {
  /** Told when a post repeats an attempt whose outcome is unknown (never the message, only the key). */
  onInDoubt?: (key: string, claimedAt: string) => void;
}

/**
 * Posts each idempotency key once the transport has accepted it, for a chat transport with no idempotency of its own
 * (Slack `chat.postMessage` posts a new message on every call). The ledger is claimed before the post:
 * - `sent` → the reference of the earlier post, nothing posted;
 * - `busy` (another attempt holds a fresh claim: a redelivery overlapping the first one) → a retryable error, the bus
 *   tries again later and then finds `sent`;
 * - `claimed` → post; accepted → `markDone` with the reference; any failure → `release` and rethrow;
 * - `in-doubt` (a holder crashed before recording an outcome, lease expired) → **post again**: a second card beats
 *   a lost one.
 * Updates replace a message in place and are idempotent already: they pass straight through.
 */
export class LedgeredChatPoster implements ChatPoster {
  readonly #inner: ChatPoster;
  readonly #ledger: SentLedger;
  readonly #onInDoubt: ((key: string, claimedAt: string) => void) | undefined;
  constructor(inner: ChatPoster, ledger: SentLedger, options: LedgeredChatPosterOptions = {}) {
    this.#inner = inner;
    this.#ledger = ledger;
    this.#onInDoubt = options.onInDoubt;
  }

  post(message: OutgoingChat): Promise<string> {
    return claimOnce(this.#ledger, message.idempotencyKey, 'this chat message', () => this.#inner.post(message), this.#onInDoubt ? { onInDoubt: this.#onInDoubt } : {});
  }

  update(ref: string, message: OutgoingChat): Promise<string> {
    return this.#inner.update(ref, message);
  }
}
