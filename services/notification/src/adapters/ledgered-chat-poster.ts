import { AppError, ErrorCode } from '@soc/runtime';
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
 * - `claimed` → post; accepted → `markSent` with the reference; any failure → `release` and rethrow;
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

  async post(message: OutgoingChat): Promise<string> {
    const key = message.idempotencyKey;
    const claim = await this.#ledger.claim(key);
    switch (claim.kind) {
      case 'sent':
        return claim.deliveryId;
      case 'busy':
        throw new AppError(ErrorCode.CONFLICT, 'another attempt holds this chat message’s claim; retry later', {
          retryable: true,
        });
      case 'in-doubt':
        this.#onInDoubt?.(key, claim.claimedAt);
        break;
      case 'claimed':
        break;
    }
    let ref: string;
    try {
      ref = await this.#inner.post(message);
    } catch (error) {
      await this.#ledger.release(key);
      throw error;
    }
    await this.#ledger.markSent(key, ref);
    return ref;
  }

  update(ref: string, message: OutgoingChat): Promise<string> {
    return this.#inner.update(ref, message);
  }
}
