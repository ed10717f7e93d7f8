import { createHash } from 'node:crypto';
import { AppError, ErrorCode, isAppError } from '@soc/runtime';
import type { StateStore } from '@soc/state';
import type { NewTicket, Ticket, TicketSystem } from '../ports.ts';

/** The state collection of the open claims: one document per hashed ticket idempotency key. */
export const TICKET_CLAIMS_COLLECTION = 'ticket-open-claims';

interface Claim {
  key: string;
  claimedAt: string;
  /** The ticket the claim opened (or found); later claims pass straight through. */
  ticketId?: string;
}

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

const idOf = (key: string): string => createHash('sha256').update(key).digest('hex');

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
  readonly #state: StateStore;
  readonly #options: ClaimedTicketSystemOptions;
  constructor(inner: TicketSystem, state: StateStore, options: ClaimedTicketSystemOptions) {
    this.name = inner.name;
    this.#inner = inner;
    this.#state = state;
    this.#options = options;
  }

  async open(ticket: NewTicket): Promise<Ticket & { created: boolean }> {
    const key = ticket.idempotencyKey;
    const id = idOf(key);
    const opened = await this.#claim(key, id);
    if (opened) return this.#inner.open(ticket);
    let result: Ticket & { created: boolean };
    try {
      result = await this.#inner.open(ticket);
    } catch (error) {
      // Nothing is known to be open: the next attempt may claim again at once (its look-up finds a lost create).
      await this.#state.delete(TICKET_CLAIMS_COLLECTION, id);
      throw error;
    }
    const done: Claim = { key, claimedAt: this.#options.now().toISOString(), ticketId: result.ticketId };
    await this.#state.put(TICKET_CLAIMS_COLLECTION, id, done, { ttlSeconds: this.#ttl() });
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

  /** Claims the key: false when this caller now holds it, true when its ticket is open already; throws when busy. */
  async #claim(key: string, id: string): Promise<boolean> {
    const fresh: Claim = { key, claimedAt: this.#options.now().toISOString() };
    try {
      await this.#state.put(TICKET_CLAIMS_COLLECTION, id, fresh, { ifNoneMatch: '*', ttlSeconds: this.#ttl() });
      return false;
    } catch (error) {
      if (!isAppError(error) || error.code !== ErrorCode.CONFLICT) throw error;
    }
    const existing = await this.#state.get<Claim>(TICKET_CLAIMS_COLLECTION, id);
    if (existing?.value.ticketId !== undefined) return true;
    if (existing && this.#options.now().getTime() - Date.parse(existing.value.claimedAt) >= this.#options.leaseMs) {
      try {
        await this.#state.put(TICKET_CLAIMS_COLLECTION, id, fresh, { ifMatch: existing.etag, ttlSeconds: this.#ttl() });
        return false;
      } catch (error) {
        if (!isAppError(error) || error.code !== ErrorCode.PRECONDITION_FAILED) throw error;
      }
    }
    // A fresh claim (or one released or taken over between our reads): another delivery is opening this ticket.
    throw new AppError(
      ErrorCode.CONFLICT,
      `another delivery is opening the ${this.name} ticket of this case group; retry later`,
      { retryable: true },
    );
  }

  #ttl(): number {
    return this.#options.ttlSeconds ?? 30 * 24 * 3600;
  }
}
