import { isAppError } from '@soc/runtime';
import { claimOnce } from '@soc/state';
import type { Mailer, OutgoingEmail, SentLedger } from '../ports.ts';

/** Structured detail a transport puts on an error when it cannot tell whether the message left. */
export const OUTCOME_UNKNOWN = 'outcomeUnknown';

/** True when the transport failed after the message may have been accepted (a timeout waiting for the answer). */
export function isOutcomeUnknown(error: unknown): boolean {
  return isAppError(error) && error.details?.[OUTCOME_UNKNOWN] === true;
}

/** Options of {@link LedgeredMailer}. */
export interface LedgeredMailerOptions {
  /** Told when a send repeats an attempt whose outcome is unknown (never the message, only the key). */
  onInDoubt?: (key: string, claimedAt: string) => void;
  /** Told when the transport failed after the message may have left; the retry will send it again. */
  onOutcomeUnknown?: (key: string, error: unknown) => void;
}

/**
 * Sends each idempotency key once the transport has accepted it, consulting the sent-ledger before the transport
 * (`claimOnce` of `@soc/state`):
 * - `done` → the earlier delivery id, nothing sent;
 * - `busy` (a fresh claim: another attempt may be sending) → a retryable error, the bus tries again later;
 * - `claimed` → send; accepted → `markDone` with the delivery id; any failure → `release` and rethrow, so the bus retry claims again;
 * - `in-doubt` (a claim whose holder crashed before recording an outcome, lease expired) → **send again**.
 * At least once, never at most once: for a security alert a duplicate is better than a silent loss. So a failure
 * whose outcome is unknown (a timeout after the message was handed over) also releases the claim and the retry
 * sends again; both copies carry the same `Message-ID` (derived from the key), so mail clients thread them as one.
 * The remote transports (SMTP, Graph) sit behind it; the outbox is idempotent by file name already.
 */
export class LedgeredMailer implements Mailer {
  readonly #inner: Mailer;
  readonly #ledger: SentLedger;
  readonly #onInDoubt: ((key: string, claimedAt: string) => void) | undefined;
  readonly #onOutcomeUnknown: ((key: string, error: unknown) => void) | undefined;
  constructor(inner: Mailer, ledger: SentLedger, options: LedgeredMailerOptions = {}) {
    this.#inner = inner;
    this.#ledger = ledger;
    this.#onInDoubt = options.onInDoubt;
    this.#onOutcomeUnknown = options.onOutcomeUnknown;
  }

  send(email: OutgoingEmail): Promise<string> {
    return claimOnce(this.#ledger, email.idempotencyKey, 'this e-mail', () => this.#inner.send(email), {
      ...(this.#onInDoubt ? { onInDoubt: this.#onInDoubt } : {}),
      onFailure: (key, error) => {
        if (isOutcomeUnknown(error)) this.#onOutcomeUnknown?.(key, error);
      },
    });
  }
}
