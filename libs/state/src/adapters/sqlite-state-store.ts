import { createHash, randomUUID } from 'node:crypto';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { AppError, ErrorCode, isAppError, systemClock, type Clock } from '@soc/runtime';
import { conflict, preconditionFailed } from '../errors.ts';
import type { PutOptions, Query, StateStore, Versioned } from '../port.ts';
import {
  assertCollection,
  assertFieldName,
  assertId,
  assertIdempotencyKey,
  assertTtl,
  expiryOf,
  resolvePutOptions,
  resolveQuery,
  serialise,
  type ResolvedQuery,
} from '../validation.ts';

/** Options of {@link SqliteStateStore}. */
export interface SqliteStateStoreOptions {
  /** Database file; several processes may open the same one. `:memory:` gives a private, throw-away store. */
  readonly path: string;
  /** Decides TTL expiry; tests pass `manualClock()`. */
  readonly clock?: Clock;
  /** How long a write waits for another process's lock before failing retryably. Default 5000 ms. */
  readonly busyTimeoutMs?: number;
  /**
   * Top-level fields that get an expression index `(collection, json_extract(value, '$.field'), id)`, so `where`
   * equality and `orderBy` on them avoid a scan of the collection. Add the fields services query by.
   */
  readonly indexedFields?: readonly string[];
  /**
   * Top-level fields only ever filtered by equality (never ordered by alone): a partial expression index, `WHERE
   * json_extract(value, '$.field') IS NOT NULL`. A document without the field costs the index nothing on write, which
   * matters when one collection's field would otherwise be maintained for every document of every collection.
   */
  readonly filterFields?: readonly string[];
  /** How often expired documents and idempotency keys are deleted. Default 60 000 ms; 0 turns the timer off. */
  readonly purgeIntervalMs?: number;
  /** Called when a background purge fails (the next one retries; reads hide expired rows regardless). */
  readonly onBackgroundError?: (error: AppError) => void;
  /**
   * Group commit: writes issued in the same event-loop turn share one transaction (one WAL commit). Default
   * true. Each write still succeeds or fails on its own and resolves only after its commit.
   */
  readonly batchWrites?: boolean;
}

interface PendingWrite {
  readonly run: () => unknown;
  readonly resolve: (value: unknown) => void;
  readonly reject: (error: unknown) => void;
}

/** Bumped when the schema below changes; a migration step per version goes in {@link migrate}. */
const SCHEMA_VERSION = 1;
const PURGE_BATCH = 1000;
/** Dynamic query shapes are few (one per call site); the cap only guards against a pathological caller. */
const MAX_CACHED_STATEMENTS = 256;
/** Writes per group commit; bounds how long other processes wait for the write lock (~10 ms). */
const MAX_BATCH = 500;

/**
 * The {@link StateStore} on `node:sqlite`: the local and single-host adapter (all-in-one mode, edge
 * deployments, integration tests).
 *
 * Every operation is a single SQL statement: the condition (`ifMatch`, `ifNoneMatch`, expiry) sits in the
 * statement's `WHERE`, so a write is atomic without a transaction of its own. Writes issued in the same
 * event-loop turn are group-committed in one `BEGIN IMMEDIATE … COMMIT` (a lone write runs in autocommit), since
 * the commit, not the statement, is what costs; reads first flush pending writes, so a process always reads its
 * own writes. WAL with `synchronous=NORMAL` lets readers run beside the writer and skips the fsync per commit
 * (a power cut may lose the last commits, never corrupt the file); `busy_timeout` lets several processes share
 * the file. The driver is synchronous, so each call blocks the event loop for its few microseconds.
 */
export class SqliteStateStore implements StateStore {
  readonly #db: DatabaseSync;
  readonly #clock: Clock;
  readonly #statements = new Map<string, StatementSync>();
  readonly #purgeTimer: NodeJS.Timeout | undefined;
  readonly #batchWrites: boolean;
  /** Fields with an expression index (full or partial): an equality filter on one of them picks the index. */
  readonly #indexed: ReadonlySet<string>;
  readonly #queue: PendingWrite[] = [];
  #isFlushScheduled = false;
  #isClosed = false;

  constructor(options: SqliteStateStoreOptions) {
    this.#clock = options.clock ?? systemClock;
    this.#batchWrites = options.batchWrites ?? true;
    for (const field of [...(options.indexedFields ?? []), ...(options.filterFields ?? [])]) assertFieldName(field);
    this.#indexed = new Set([...(options.indexedFields ?? []), ...(options.filterFields ?? [])]);
    this.#db = guard(() => {
      // The timeout is SQLite's busy handler: a write waits for a sibling process's lock instead of failing.
      const db = new DatabaseSync(options.path, { timeout: options.busyTimeoutMs ?? 5000 });
      try {
        db.exec('PRAGMA journal_mode = WAL');
        db.exec('PRAGMA synchronous = NORMAL');
        // Keeps the WAL file from staying at its high-water mark after a burst.
        db.exec('PRAGMA journal_size_limit = 67108864');
        migrate(db);
        // SQLite's advice for long-lived connections: refresh planner statistics where they are missing or stale.
        db.exec('PRAGMA optimize = 0x10002');
        for (const field of options.indexedFields ?? []) {
          // Trailing id: the default (and tie-break) order, so a filtered page needs no sort step either.
          db.exec(`CREATE INDEX IF NOT EXISTS ${indexName(field)} ON documents (collection, ${jsonPath(field)}, id)`);
        }
        for (const field of options.filterFields ?? []) {
          // An equality term on the field implies IS NOT NULL, so SQLite's planner may use the partial index for it.
          db.exec(`DROP INDEX IF EXISTS ${indexName(field)}`);
          db.exec(`CREATE INDEX IF NOT EXISTS ${indexName(field)}_partial ON documents (collection, ${jsonPath(field)}, id) WHERE ${jsonPath(field)} IS NOT NULL`);
        }
        return db;
      } catch (error) {
        db.close();
        throw error;
      }
    });
    const interval = options.purgeIntervalMs ?? 60_000;
    if (interval > 0) {
      this.#purgeTimer = setInterval(() => {
        this.purgeExpired().catch((error: unknown) => options.onBackgroundError?.(toAppError(error)));
      }, interval);
      // Housekeeping must never keep a process alive on its own.
      this.#purgeTimer.unref();
    }
  }

  async get<T>(collection: string, id: string): Promise<Versioned<T> | undefined> {
    assertCollection(collection);
    assertId(id);
    return this.#run(() => {
      const row = this.#stmt('SELECT value, etag, expires_at FROM documents WHERE collection = ? AND id = ?').get(
        collection,
        id,
      );
      if (row === undefined) return undefined;
      const etag = row.etag as string;
      if (isExpired(row.expires_at, this.#now())) {
        // Lazy purge; the etag guard keeps a concurrent re-creation by another process intact.
        this.#stmt('DELETE FROM documents WHERE collection = ? AND id = ? AND etag = ?').run(collection, id, etag);
        return undefined;
      }
      return { id, value: JSON.parse(row.value as string) as T, etag };
    });
  }

  async put<T>(collection: string, id: string, value: T, options?: PutOptions): Promise<string> {
    assertCollection(collection);
    assertId(id);
    const now = this.#now();
    const expiresAt = resolvePutOptions(options, now);
    const json = serialise(value);
    const etag = randomUUID();
    return this.#write(() => {
      if (options?.ifMatch !== undefined) {
        const { changes } = this.#stmt(
          `UPDATE documents SET value = ?, etag = ?, expires_at = ?
           WHERE collection = ? AND id = ? AND etag = ? AND (expires_at IS NULL OR expires_at > ?)`,
        ).run(json, etag, expiresAt, collection, id, options.ifMatch, now);
        if (Number(changes) === 0) throw preconditionFailed(collection, id);
      } else if (options?.ifNoneMatch === '*') {
        // An expired document counts as absent, so the upsert branch may take it over, and only then.
        const { changes } = this.#stmt(
          `INSERT INTO documents (collection, id, value, etag, expires_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value, etag = excluded.etag, expires_at = excluded.expires_at
           WHERE documents.expires_at IS NOT NULL AND documents.expires_at <= ?`,
        ).run(collection, id, json, etag, expiresAt, now);
        if (Number(changes) === 0) throw conflict(collection, id);
      } else {
        this.#stmt(
          `INSERT INTO documents (collection, id, value, etag, expires_at) VALUES (?, ?, ?, ?, ?)
           ON CONFLICT (collection, id) DO UPDATE SET value = excluded.value, etag = excluded.etag, expires_at = excluded.expires_at`,
        ).run(collection, id, json, etag, expiresAt);
      }
      return etag;
    });
  }

  async delete(collection: string, id: string, options?: Pick<PutOptions, 'ifMatch'>): Promise<boolean> {
    assertCollection(collection);
    assertId(id);
    const now = this.#now();
    return this.#write(() => {
      if (options?.ifMatch === undefined) {
        const row = this.#stmt('DELETE FROM documents WHERE collection = ? AND id = ? RETURNING expires_at').get(
          collection,
          id,
        );
        // Deleting an expired document only finishes its purge: it did not exist for the caller.
        return row !== undefined && !isExpired(row.expires_at, now);
      }
      const { changes } = this.#stmt(
        'DELETE FROM documents WHERE collection = ? AND id = ? AND etag = ? AND (expires_at IS NULL OR expires_at > ?)',
      ).run(collection, id, options.ifMatch, now);
      if (Number(changes) === 1) return true;
      // Failure path only: tell "gone" (nothing to delete) from "changed" (the caller's view is stale).
      const row = this.#stmt('SELECT expires_at FROM documents WHERE collection = ? AND id = ?').get(collection, id);
      if (row === undefined || isExpired(row.expires_at, now)) return false;
      throw preconditionFailed(collection, id);
    });
  }

  async query<T>(collection: string, query?: Query): Promise<readonly Versioned<T>[]> {
    assertCollection(collection);
    const { sql, params } = buildQuery(collection, resolveQuery(query), this.#now(), this.#indexed);
    return this.#run(() =>
      this.#stmt(sql)
        .all(...params)
        .map((row) => ({
          id: row.id as string,
          value: JSON.parse(row.value as string) as T,
          etag: row.etag as string,
        })),
    );
  }

  async claimIdempotencyKey(key: string, ttlSeconds: number): Promise<boolean> {
    assertIdempotencyKey(key);
    assertTtl(ttlSeconds);
    const now = this.#now();
    return this.#write(() => {
      // One statement decides the race between processes: insert, or take over an expired claim, or nothing.
      const { changes } = this.#stmt(
        `INSERT INTO idempotency_keys (key, expires_at) VALUES (?, ?)
         ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at WHERE idempotency_keys.expires_at <= ?`,
      ).run(key, expiryOf(now, ttlSeconds), now);
      return Number(changes) === 1;
    });
  }

  /**
   * Deletes expired documents and idempotency keys in small batches (so other processes' writes interleave);
   * returns how many rows went. Runs on a timer; call it directly in tests or maintenance jobs.
   */
  async purgeExpired(): Promise<number> {
    const now = this.#now();
    return this.#run(() => {
      let purged = 0;
      for (const table of ['documents', 'idempotency_keys'] as const) {
        const stmt = this.#stmt(
          `DELETE FROM ${table} WHERE rowid IN (SELECT rowid FROM ${table} WHERE expires_at <= ? LIMIT ${PURGE_BATCH})`,
        );
        for (;;) {
          const changes = Number(stmt.run(now).changes);
          purged += changes;
          if (changes < PURGE_BATCH) break;
        }
      }
      return purged;
    });
  }

  /** The query plan SQLite picks for a {@link Query}, one line per step; lets tests and operators check index use. */
  explainQuery(collection: string, query?: Query): readonly string[] {
    assertCollection(collection);
    const { sql, params } = buildQuery(collection, resolveQuery(query), this.#now(), this.#indexed);
    return guard(() =>
      this.#db
        .prepare(`EXPLAIN QUERY PLAN ${sql}`)
        .all(...params)
        .map((row) => String(row.detail)),
    );
  }

  async close(): Promise<void> {
    if (this.#isClosed) return;
    this.#flush();
    this.#isClosed = true;
    if (this.#purgeTimer !== undefined) clearInterval(this.#purgeTimer);
    this.#statements.clear();
    try {
      this.#db.exec('PRAGMA optimize');
    } catch {
      // Statistics are an optimisation; a busy sibling process must not make close fail.
    }
    this.#db.close();
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  /** Runs a read (or maintenance) now, after any pending writes, so the caller sees its own writes. */
  #run<R>(fn: () => R): Promise<R> {
    if (this.#isClosed) return Promise.reject(closedError());
    this.#flush();
    try {
      return Promise.resolve(fn());
    } catch (error) {
      return Promise.reject(toAppError(error));
    }
  }

  /** Queues a write for the group commit at the end of this event-loop turn. */
  #write<R>(fn: () => R): Promise<R> {
    if (this.#isClosed) return Promise.reject(closedError());
    if (!this.#batchWrites) return this.#run(fn);
    return new Promise<R>((resolve, reject) => {
      this.#queue.push({ run: fn, resolve: resolve as (value: unknown) => void, reject });
      if (!this.#isFlushScheduled) {
        this.#isFlushScheduled = true;
        setImmediate(() => {
          this.#isFlushScheduled = false;
          this.#flush();
        });
      }
    });
  }

  #flush(): void {
    while (this.#queue.length > 0) {
      const batch = this.#queue.splice(0, MAX_BATCH);
      if (batch.length === 1) {
        runAlone(batch[0] as PendingWrite);
        continue;
      }
      try {
        // IMMEDIATE takes the write lock now (waiting up to busy_timeout): a deferred upgrade could fail with
        // SQLITE_BUSY without waiting once another process has written.
        this.#db.exec('BEGIN IMMEDIATE');
      } catch (error) {
        const failure = toAppError(error);
        for (const write of batch) write.reject(failure);
        continue;
      }
      const outcomes: { ok: boolean; value: unknown }[] = [];
      try {
        for (const write of batch) {
          try {
            outcomes.push({ ok: true, value: write.run() });
          } catch (error) {
            // PRECONDITION_FAILED, CONFLICT: that write's own verdict; its neighbours commit regardless.
            if (!isAppError(error)) throw error;
            outcomes.push({ ok: false, value: error });
          }
        }
        this.#db.exec('COMMIT');
      } catch {
        try {
          if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
        } catch {
          // SQLite already rolled back (it does on I/O and full-disk errors); nothing is left to undo.
        }
        // A statement failed (disk full, I/O error …): replay one by one so each write gets its own verdict.
        for (const write of batch) runAlone(write);
        continue;
      }
      batch.forEach((write, i) => {
        const outcome = outcomes[i];
        if (outcome?.ok === true) write.resolve(outcome.value);
        else write.reject(outcome?.value);
      });
    }
  }

  /** Prepared statements are cached by SQL text: preparing costs more than most of the statements themselves. */
  #stmt(sql: string): StatementSync {
    let stmt = this.#statements.get(sql);
    if (stmt === undefined) {
      if (this.#statements.size >= MAX_CACHED_STATEMENTS) this.#statements.clear();
      stmt = this.#db.prepare(sql);
      this.#statements.set(sql, stmt);
    }
    return stmt;
  }
}

function migrate(db: DatabaseSync): void {
  const version = Number(db.prepare('PRAGMA user_version').get()?.user_version ?? 0);
  if (version >= SCHEMA_VERSION) return;
  // IMMEDIATE takes the write lock up front, so two processes opening a new file migrate one after the other.
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(`
      CREATE TABLE IF NOT EXISTS documents (
        collection TEXT NOT NULL,
        id TEXT NOT NULL,
        value TEXT NOT NULL,
        etag TEXT NOT NULL,
        expires_at INTEGER,
        PRIMARY KEY (collection, id)
      );
      CREATE INDEX IF NOT EXISTS documents_by_expiry ON documents (expires_at) WHERE expires_at IS NOT NULL;
      CREATE TABLE IF NOT EXISTS idempotency_keys (
        key TEXT NOT NULL PRIMARY KEY,
        expires_at INTEGER NOT NULL
      );
      CREATE INDEX IF NOT EXISTS idempotency_keys_by_expiry ON idempotency_keys (expires_at);
      PRAGMA user_version = ${SCHEMA_VERSION};
    `);
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}

/** One SQL text per query shape (fields and direction), values always bound, so the statement cache stays small. */
function buildQuery(collection: string, q: ResolvedQuery, now: number, indexed: ReadonlySet<string>): { sql: string; params: SQLInputValue[] } {
  const params: SQLInputValue[] = [collection, now];
  let sql = 'SELECT id, value, etag FROM documents WHERE collection = ? AND (expires_at IS NULL OR expires_at > ?)';
  for (const [field, value] of q.where) {
    // json_extract alone would equate true with 1; json_type keeps equality as strict as Cosmos and Memory.
    // The json_extract term stays literal so an expression index on the field can serve it.
    sql += ` AND ${jsonPath(field)} = ? AND json_type(value, '$.${field}') ${jsonTypeTest(value)}`;
    params.push(typeof value === 'boolean' ? Number(value) : value);
  }
  // Ties break on id in the same direction, so an index on (collection, field, id) serves the whole ORDER BY.
  const direction = q.orderBy?.direction === 'desc' ? 'DESC' : 'ASC';
  // With an equality filter on an indexed field, the filter's index finds the rows and they are sorted: the unary `+`
  // keeps SQLite's planner from walking the ORDER BY field's index instead (to skip the sort), which scans the whole
  // collection to find a handful of rows (e.g. an alert's events ordered by `time`: O(collection) per query).
  const sortOnly = q.where.some(([field]) => indexed.has(field) && field !== q.orderBy?.field) ? '+' : '';
  sql += ` ORDER BY ${q.orderBy === undefined ? '' : `${sortOnly}${jsonPath(q.orderBy.field)} ${direction}, `}id ${direction} LIMIT ?`;
  params.push(q.limit);
  return { sql, params };
}

/** Field names are validated identifiers, so the path can be a literal, which is what lets an index match it. */
function jsonPath(field: string): string {
  return `json_extract(value, '$.${field}')`;
}

// SQLite index names are case-insensitive; the hash keeps `Status` and `status` from sharing one.
function indexName(field: string): string {
  return `documents_by_${field}_${createHash('sha256').update(field).digest('hex').slice(0, 8)}`;
}

function jsonTypeTest(value: string | number | boolean): string {
  if (typeof value === 'string') return "= 'text'";
  if (typeof value === 'number') return "IN ('integer', 'real')";
  return value ? "= 'true'" : "= 'false'";
}

function isExpired(expiresAt: unknown, now: number): boolean {
  return expiresAt !== null && expiresAt !== undefined && Number(expiresAt) <= now;
}

const SQLITE_BUSY = 5;
const SQLITE_LOCKED = 6;

/** SQLite failures translated once: lock contention is transient, anything else is a bug or a broken disk. */
function toAppError(error: unknown): AppError {
  if (isAppError(error)) return error;
  const errcode = (error as { errcode?: unknown } | null)?.errcode;
  const primary = typeof errcode === 'number' ? errcode & 0xff : undefined;
  if (primary === SQLITE_BUSY || primary === SQLITE_LOCKED) {
    return new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'SQLite database is locked by another connection', {
      retryable: true,
      cause: error,
    });
  }
  return new AppError(ErrorCode.INTERNAL, `SQLite failed: ${error instanceof Error ? error.message : String(error)}`, {
    retryable: false,
    cause: error,
  });
}

function closedError(): AppError {
  return new AppError(ErrorCode.INTERNAL, 'SqliteStateStore is closed', { retryable: false });
}

/** One write in autocommit mode: its statement is its transaction. */
function runAlone(write: PendingWrite): void {
  try {
    write.resolve(write.run());
  } catch (error) {
    write.reject(toAppError(error));
  }
}

function guard<R>(fn: () => R): R {
  try {
    return fn();
  } catch (error) {
    throw toAppError(error);
  }
}
