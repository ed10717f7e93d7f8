import { systemClock, type Clock } from '@soc/runtime';
import { conflict, preconditionFailed } from '../errors.ts';
import type { PutOptions, Query, StateStore, Versioned } from '../port.ts';
import {
  assertCollection,
  assertId,
  assertIdempotencyKey,
  assertTtl,
  expiryOf,
  resolvePutOptions,
  resolveQuery,
  serialise,
} from '../validation.ts';

/** Options of {@link MemoryStateStore}. */
export interface MemoryStateStoreOptions {
  /** Decides TTL expiry; tests pass `manualClock()` to expire documents without sleeping. */
  readonly clock?: Clock;
}

interface Row {
  /** Stored as JSON, not as the object, so callers can neither mutate stored state nor see non-JSON values survive. */
  readonly json: string;
  /** Parsed once at write for filtering and sorting; never handed out (callers get a fresh parse of `json`). */
  readonly parsed: unknown;
  readonly etag: string;
  readonly expiresAt: number | null;
}

/**
 * The in-process {@link StateStore} for unit tests of services and the all-in-one dev mode. It passes the same
 * contract suite as the SQLite and Cosmos adapters, so behaviour learnt against it holds in production.
 */
export class MemoryStateStore implements StateStore {
  readonly #clock: Clock;
  readonly #collections = new Map<string, Map<string, Row>>();
  readonly #idempotencyKeys = new Map<string, number>();
  #version = 0;

  constructor(options: MemoryStateStoreOptions = {}) {
    this.#clock = options.clock ?? systemClock;
  }

  async get<T>(collection: string, id: string): Promise<Versioned<T> | undefined> {
    assertCollection(collection);
    assertId(id);
    const row = this.#live(collection, id);
    return row === undefined ? undefined : { id, value: JSON.parse(row.json) as T, etag: row.etag };
  }

  async put<T>(collection: string, id: string, value: T, options?: PutOptions): Promise<string> {
    assertCollection(collection);
    assertId(id);
    const expiresAt = resolvePutOptions(options, this.#now());
    const json = serialise(value);
    const current = this.#live(collection, id);
    if (options?.ifNoneMatch === '*' && current !== undefined) throw conflict(collection, id);
    if (options?.ifMatch !== undefined && current?.etag !== options.ifMatch) throw preconditionFailed(collection, id);
    // Never reused within a store's life, so a stale etag can never match a re-created document (no ABA).
    const etag = `m${++this.#version}`;
    this.#rows(collection).set(id, { json, parsed: JSON.parse(json), etag, expiresAt });
    return etag;
  }

  async delete(collection: string, id: string, options?: Pick<PutOptions, 'ifMatch'>): Promise<boolean> {
    assertCollection(collection);
    assertId(id);
    const current = this.#live(collection, id);
    if (current === undefined) return false;
    if (options?.ifMatch !== undefined && current.etag !== options.ifMatch) throw preconditionFailed(collection, id);
    this.#rows(collection).delete(id);
    return true;
  }

  async query<T>(collection: string, query?: Query): Promise<readonly Versioned<T>[]> {
    assertCollection(collection);
    const q = resolveQuery(query);
    const now = this.#now();
    const matches: { id: string; value: Record<string, unknown>; row: Row }[] = [];
    for (const [id, row] of this.#rows(collection)) {
      if (row.expiresAt !== null && row.expiresAt <= now) continue;
      const value = row.parsed as Record<string, unknown>;
      const isObject = typeof value === 'object' && value !== null && !Array.isArray(value);
      if (q.where.every(([field, expected]) => isObject && value[field] === expected)) matches.push({ id, value, row });
    }
    const orderBy = q.orderBy;
    const sign = orderBy?.direction === 'desc' ? -1 : 1;
    // Ties break on id in the query's direction, as in the SQLite adapter.
    matches.sort((a, b) => {
      const byField =
        orderBy === undefined ? 0 : compareValues(fieldOf(a.value, orderBy.field), fieldOf(b.value, orderBy.field));
      return sign * (byField !== 0 ? byField : compareValues(a.id, b.id));
    });
    return matches.slice(0, q.limit).map((m) => ({ id: m.id, value: JSON.parse(m.row.json) as T, etag: m.row.etag }));
  }

  async claimIdempotencyKey(key: string, ttlSeconds: number): Promise<boolean> {
    assertIdempotencyKey(key);
    assertTtl(ttlSeconds);
    const now = this.#now();
    const expiresAt = this.#idempotencyKeys.get(key);
    if (expiresAt !== undefined && expiresAt > now) return false;
    this.#idempotencyKeys.set(key, expiryOf(now, ttlSeconds));
    return true;
  }

  /** Drops expired documents and idempotency keys; returns how many went. Reads already hide them. */
  async purgeExpired(): Promise<number> {
    const now = this.#now();
    let purged = 0;
    for (const rows of this.#collections.values()) {
      for (const [id, row] of rows) {
        if (row.expiresAt !== null && row.expiresAt <= now) {
          rows.delete(id);
          purged++;
        }
      }
    }
    for (const [key, expiresAt] of this.#idempotencyKeys) {
      if (expiresAt <= now) {
        this.#idempotencyKeys.delete(key);
        purged++;
      }
    }
    return purged;
  }

  async close(): Promise<void> {
    this.#collections.clear();
    this.#idempotencyKeys.clear();
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  #rows(collection: string): Map<string, Row> {
    let rows = this.#collections.get(collection);
    if (rows === undefined) {
      rows = new Map();
      this.#collections.set(collection, rows);
    }
    return rows;
  }

  /** The document if it exists and has not expired; an expired one is dropped on the way (lazy purge). */
  #live(collection: string, id: string): Row | undefined {
    const rows = this.#collections.get(collection);
    const row = rows?.get(id);
    if (row === undefined) return undefined;
    if (row.expiresAt !== null && row.expiresAt <= this.#now()) {
      rows?.delete(id);
      return undefined;
    }
    return row;
  }
}

function fieldOf(value: Record<string, unknown>, field: string): unknown {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? value[field] : undefined;
}

// Missing and null first, then booleans, numbers and strings, like SQLite's NULL < numeric < TEXT ordering; the
// port only promises an order for strings and numbers, the rest just has to be deterministic.
function rank(v: unknown): number {
  if (v === undefined || v === null) return 0;
  if (typeof v === 'boolean') return 1;
  if (typeof v === 'number') return 2;
  if (typeof v === 'string') return 3;
  return 4;
}

function compareValues(a: unknown, b: unknown): number {
  const byRank = rank(a) - rank(b);
  if (byRank !== 0) return byRank;
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if (typeof a === 'string' && typeof b === 'string') return compareUtf8(a, b);
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  return 0;
}

/** Orders strings by code point, as SQLite's BINARY collation does on UTF-8, not by UTF-16 code unit. */
function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  const ia = a[Symbol.iterator]();
  const ib = b[Symbol.iterator]();
  for (;;) {
    const ca = ia.next();
    const cb = ib.next();
    if (ca.done === true) return cb.done === true ? 0 : -1;
    if (cb.done === true) return 1;
    const d = (ca.value.codePointAt(0) ?? 0) - (cb.value.codePointAt(0) ?? 0);
    if (d !== 0) return d;
  }
}
