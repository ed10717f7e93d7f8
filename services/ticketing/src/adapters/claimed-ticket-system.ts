import { AppError, ErrorCode } from '@soc/runtime';
import { StateClaimLedger, type StateStore } from '@soc/state';
import type { NewTicket, Ticket, TicketSystem } from '../ports.ts';

/** The state collection of the open claims: one document per hashed ticket idempotency key. */
export const TICKET_CLAIMS_COLLECTION = 'ticket-open-claims';

/** Options of {@link ClaimedTicketSystem}. */
export interface ClaimedTicketSystemOptions {
  now: () => Date;
  /**
   * How long a claim without an outcome holds other openers of its key back. A crashed holder's decision is
   * redelivered once its bus lock runs out, so the composition root passes `BUS_LOCK_DURATION_MS`.
   */
  leaseMs: number;
  /** How long a key is remembered after its ticket is open. Default 30 days. */
  ttlSeconds?: number;
}

/** A done claim as this adapter stored it before it used {@link StateClaimLedger}: `{ key, claimedAt, ticketId }`. */
const openedBefore = (stored: Readonly<Record<string, unknown>>): string | undefined =>
  typeof stored.ticketId === 'string' ? stored.ticketId : undefined;

/**
 * Makes a remote ticket system's look-up-then-create safe under concurrency. A system of record without a unique key
 * to create on (ServiceNow's Table API) cannot refuse a second incident: two deliveries that overlap — a redelivery
 * after a lost lock, or two alerts of a new case group in one storm — both look the key up before either has
 * created. So `open` first claims the ticket's idempotency key in the state store (a conditional create): the holder
 * opens; another opener meets a fresh claim and gets a retryable CONFLICT, and its redelivery finds the ticket by the
 * system's own look-up. A claim whose holder crashed runs out after the lease and is taken over (the system's
 * look-up then finds what the holder created, if anything). Updates and resolutions pass through (they are
 * idempotent by their keys already).
 */
export class ClaimedTicketSystem implements TicketSystem {
  readonly name: TicketSystem['name'];
  readonly #inner: TicketSystem;
  readonly #claims: StateClaimLedger;
  constructor(inner: TicketSystem, state: StateStore, options: ClaimedTicketSystemOptions) {
    this.name = inner.name;
    this.#inner = inner;
    this.#claims = new StateClaimLedger(state, {
      collection: TICKET_CLAIMS_COLLECTION,
      now: options.now,
      leaseMs: options.leaseMs,
      ...(options.ttlSeconds !== undefined ? { ttlSeconds: options.ttlSeconds } : {}),
      legacyOutcome: openedBefore,
    });
  }

  async open(ticket: NewTicket): Promise<Ticket & { created: boolean }> {
    const key = ticket.idempotencyKey;
    const claim = await this.#claims.claim(key);
    // Open already: the system's own look-up finds it (and its later changes).
    if (claim.kind === 'done') return this.#inner.open(ticket);
    if (claim.kind === 'busy')
      throw new AppError(
        ErrorCode.CONFLICT,
        `another delivery is opening the ${this.name} ticket of this case group; retry later`,
        { retryable: true },
      );
    // Claimed, or a crashed holder's claim taken over: the system's look-up finds what that holder created, if anything.
    let result: Ticket & { created: boolean };
    try {
      result = await this.#inner.open(ticket);
    } catch (error) {
      // Nothing is known to be open: the next attempt may claim again at once (its look-up finds a lost create).
      await this.#claims.release(key);
      throw error;
    }
    await this.#claims.markDone(key, result.ticketId);
    return result;
  }

  update(...args: Parameters<TicketSystem['update']>): ReturnType<TicketSystem['update']> {
    return this.#inner.update(...args);
  }

  resolve(...args: Parameters<TicketSystem['resolve']>): ReturnType<TicketSystem['resolve']> {
    return this.#inner.resolve(...args);
  }

  reopen(...args: Parameters<TicketSystem['reopen']>): ReturnType<TicketSystem['reopen']> {
    return this.#inner.reopen(...args);
  }

  find(...args: Parameters<TicketSystem['find']>): ReturnType<TicketSystem['find']> {
    return this.#inner.find(...args);
  }
}
