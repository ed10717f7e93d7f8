import { createHash } from 'node:crypto';
import { AppError, ErrorCode, isAppError } from '@soc/runtime';
import type { StateStore } from './port.ts';

/** What a claim ledger knows of a key when an attempt claims it. */
export type Claim =
  /** Nobody held the key: this caller now holds it and may act. */
  | { readonly kind: 'claimed' }
  /** The action was done under this key (`outcome` is what its holder recorded): do not act again. */
  | { readonly kind: 'done'; readonly outcome: string }
  /** Another attempt holds a fresh claim (it may be acting right now): try again later. */
  | { readonly kind: 'busy' }
  /**
   * An earlier attempt claimed the key and recorded no outcome (it crashed, or lost its answer), and its lease has
   * run out: this caller now holds the key, and whether the earlier attempt acted is unknown.
   */
  | { readonly kind: 'in-doubt'; readonly claimedAt: string };

/**
 * Makes a non-idempotent action (a POST without an idempotency key: an e-mail, a chat post, a comment, a ticket
 * create) happen once per key under redeliveries and overlapping deliveries. A claim is a lease: it stops a
 * concurrent duplicate, and a crashed holder's claim runs out. The protocol: `claim`; on `claimed` or `in-doubt` act,
 * then `markDone` on success or `release` on failure (so a retry may claim at once); on `busy` fail retryably; on
 * `done` do nothing.
 */
export interface ClaimLedger {
  claim(key: string): Promise<Claim>;
  /** The action was done: later claims answer `done` with `outcome`. */
  markDone(key: string, outcome: string): Promise<void>;
  /** The action definitely did not happen (or may be tried again): the key may be claimed again at once. */
  release(key: string): Promise<void>;
  /** What a claim would meet, without taking a stale claim over; undefined when nobody ever claimed the key. */
  lookup(key: string): Promise<Exclude<Claim, { kind: 'claimed' }> | undefined>;
}

/** Options of {@link StateClaimLedger}. */
export interface StateClaimLedgerOptions {
  /** The state collection (one per kind of action; keep it stable: deployed claims live there). */
  collection: string;
  now: () => Date;
  /**
   * How long a claim without an outcome stops other attempts. A crashed holder's message is redelivered once its
   * bus lock runs out, so the lease must not outlast it (or the redelivery's few quick retries all meet `busy` and
   * dead-letter): composition roots pass `BUS_LOCK_DURATION_MS`. Default 30 s.
   */
  leaseMs?: number;
  /** How long a key is remembered (claimed or done). Default 30 days (longer than any redelivery or DLQ replay). */
  ttlSeconds?: number;
  /**
   * Reads a document this ledger did not write (an older shape in the same collection): the outcome when it records
   * a done action, undefined when it is a claim (its `claimedAt` is then read as usual).
   */
  legacyOutcome?: (stored: Readonly<Record<string, unknown>>) => string | undefined;
}

/** What is stored per key. */
interface Entry {
  key: string;
  status: 'claimed' | 'done';
  claimedAt: string;
  outcome?: string;
  doneAt?: string;
}

/** Ids are bounded in length and a key is whatever the caller's action id is, so it is hashed. */
const idOf = (key: string): string => createHash('sha256').update(key).digest('hex');

/** The claim ledger on the state port: one document per key, created with `ifNoneMatch`, taken over with `ifMatch`. */
export class StateClaimLedger implements ClaimLedger {
  readonly #state: StateStore;
  readonly #collection: string;
  readonly #now: () => Date;
  readonly #leaseMs: number;
  readonly #ttl: number;
  readonly #legacyOutcome: StateClaimLedgerOptions['legacyOutcome'];
  constructor(state: StateStore, options: StateClaimLedgerOptions) {
    this.#state = state;
    this.#collection = options.collection;
    this.#now = options.now;
    this.#leaseMs = options.leaseMs ?? 30_000;
    this.#ttl = options.ttlSeconds ?? 30 * 24 * 3600;
    this.#legacyOutcome = options.legacyOutcome;
  }

  async claim(key: string): Promise<Claim> {
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
    const seen = this.#read(existing.value);
    if (seen.kind !== 'in-doubt') return seen;
    try {
      // Take the stale claim over; of two attempts taking it at once, the second fails the etag check.
      await this.#state.put(this.#collection, id, fresh, { ifMatch: existing.etag, ttlSeconds: this.#ttl });
    } catch (error) {
      if (isAppError(error) && error.code === ErrorCode.PRECONDITION_FAILED) return { kind: 'busy' };
      throw error;
    }
    return seen;
  }

  async markDone(key: string, outcome: string): Promise<void> {
    const now = this.#now().toISOString();
    const existing = await this.#state.get<Entry>(this.#collection, idOf(key));
    const claimedAt = typeof existing?.value.claimedAt === 'string' ? existing.value.claimedAt : now;
    const entry: Entry = { key, status: 'done', claimedAt, outcome, doneAt: now };
    await this.#state.put(this.#collection, idOf(key), entry, { ttlSeconds: this.#ttl });
  }

  async release(key: string): Promise<void> {
    await this.#state.delete(this.#collection, idOf(key));
  }

  async lookup(key: string): Promise<Exclude<Claim, { kind: 'claimed' }> | undefined> {
    const existing = await this.#state.get<Entry>(this.#collection, idOf(key));
    return existing ? this.#read(existing.value) : undefined;
  }

  /** A stored entry as a claim meets it: done, a fresh claim (busy), or a stale one (in doubt; only `claim` takes it). */
  #read(entry: Entry): Exclude<Claim, { kind: 'claimed' }> {
    if (entry.status === 'done') return { kind: 'done', outcome: entry.outcome ?? '' };
    const legacy = entry.status === 'claimed' ? undefined : this.#legacyOutcome?.(entry as unknown as Record<string, unknown>);
    if (legacy !== undefined) return { kind: 'done', outcome: legacy };
    return this.#now().getTime() - Date.parse(entry.claimedAt) < this.#leaseMs
      ? { kind: 'busy' }
      : { kind: 'in-doubt', claimedAt: entry.claimedAt };
  }
}

/** Hooks of {@link claimOnce}: told the key (never the content) when an attempt repeats or fails. */
export interface ClaimOnceHooks {
  /** The key's earlier holder crashed or lost its answer (its lease ran out): `act` runs again, perhaps a duplicate. */
  onInDoubt?: (key: string, claimedAt: string) => void;
  /** `act` failed; the claim is released so the retry claims again. */
  onFailure?: (key: string, error: unknown) => void;
}

/**
 * Does `act` once per key across overlapping and repeated attempts, at least once rather than at most once:
 * - `done` → the recorded outcome, nothing done;
 * - `busy` (a fresh claim: another attempt may be acting) → a retryable CONFLICT, the bus tries again later;
 * - `claimed` → act; its outcome recorded with `markDone`; a failure → `release` and rethrow;
 * - `in-doubt` (the holder's lease ran out without an outcome) → act again: a duplicate beats a loss.
 * `what` names the action in the CONFLICT's message (never a secret).
 */
export async function claimOnce(ledger: ClaimLedger, key: string, what: string, act: () => Promise<string>, hooks: ClaimOnceHooks = {}): Promise<string> {
  const claim = await ledger.claim(key);
  if (claim.kind === 'done') return claim.outcome;
  if (claim.kind === 'busy') throw new AppError(ErrorCode.CONFLICT, `another attempt holds the claim on ${what}; retry later`, { retryable: true });
  if (claim.kind === 'in-doubt') hooks.onInDoubt?.(key, claim.claimedAt);
  let outcome: string;
  try {
    outcome = await act();
  } catch (error) {
    hooks.onFailure?.(key, error);
    await ledger.release(key);
    throw error;
  }
  await ledger.markDone(key, outcome);
  return outcome;
}
