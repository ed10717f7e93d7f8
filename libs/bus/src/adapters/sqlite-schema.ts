import type { DatabaseSync } from 'node:sqlite';

/** Bumped when the layout changes; a file with a newer version is refused rather than misread. */
export const SQLITE_BUS_SCHEMA_VERSION = 1;

/**
 * The durable bus layout. A message is stored once (`bus_messages`, keyed by event id, which is also the
 * idempotency record) and fans out to one `bus_deliveries` row per matching subscription.
 *
 * A delivery is receivable when `state = 0 AND visible_at <= now`. `visible_at` is deliberately one column for
 * three moments: when a new or replayed delivery becomes visible, when a retry's backoff ends, and — while
 * `lock_token` is set — when the lock expires (its `locked_until`). One column keeps receive a single range
 * scan of `bus_deliveries_ready` and makes lock expiry free: an expired lock is simply visible again.
 *
 * Indexes are kept to what the hot path needs: every index is one more B-tree write per message or delivery,
 * and an id-keyed index means a random page per write. Dead-letter look-ups go through the small
 * `bus_deliveries_dead` index; retention purges walk `bus_messages` in rowid (publish) order from a cursor.
 */
const DDL = `
CREATE TABLE IF NOT EXISTS bus_meta (
  key   TEXT PRIMARY KEY,
  value TEXT NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS bus_subscriptions (
  name       TEXT PRIMARY KEY,
  types      TEXT NOT NULL,
  updated_at INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS bus_subscription_types (
  type         TEXT NOT NULL,
  subscription TEXT NOT NULL,
  PRIMARY KEY (type, subscription)
) STRICT, WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS bus_messages (
  id             TEXT PRIMARY KEY,
  type           TEXT NOT NULL,
  correlation_id TEXT,
  body           TEXT NOT NULL,
  published_at   INTEGER NOT NULL
) STRICT;

CREATE TABLE IF NOT EXISTS bus_deliveries (
  id             INTEGER PRIMARY KEY,
  subscription   TEXT NOT NULL,
  message_id     TEXT NOT NULL,
  state          INTEGER NOT NULL DEFAULT 0,
  visible_at     INTEGER NOT NULL,
  lock_token     TEXT,
  delivery_count INTEGER NOT NULL DEFAULT 0,
  dl_reason      TEXT,
  dl_description TEXT,
  dl_at          INTEGER
) STRICT;
CREATE INDEX IF NOT EXISTS bus_deliveries_ready ON bus_deliveries (subscription, visible_at) WHERE state = 0;
CREATE INDEX IF NOT EXISTS bus_deliveries_dead ON bus_deliveries (subscription, dl_at) WHERE state = 1;
`;

/** Delivery states stored in `bus_deliveries.state`. */
export const DeliveryState = { active: 0, deadLettered: 1 } as const;

/** Options of {@link openSqliteBusDatabase}. */
export interface SqlitePragmas {
  readonly busyTimeoutMs: number;
  readonly synchronous: 'NORMAL' | 'FULL';
  /** WAL pages between automatic checkpoints; each checkpoint syncs, so fewer, larger ones cost less per message. */
  readonly walAutocheckpointPages: number;
}

/**
 * Applies the pragmas and creates the schema. WAL lets readers (polls, admin) run beside the one writer;
 * `synchronous=NORMAL` in WAL survives a process crash and only risks the last commits on power loss;
 * `busy_timeout` makes competing processes wait for the write lock instead of failing.
 */
export function prepareSqliteBusDatabase(db: DatabaseSync, pragmas: SqlitePragmas): void {
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(pragmas.busyTimeoutMs))}`);
  db.exec('PRAGMA journal_mode = WAL');
  db.exec(`PRAGMA synchronous = ${pragmas.synchronous}`);
  db.exec('PRAGMA temp_store = MEMORY');
  // A bigger page cache keeps the id index's random pages in memory; it is a ceiling, not an allocation.
  db.exec(`PRAGMA cache_size = -${64 * 1024}`);
  db.exec(`PRAGMA wal_autocheckpoint = ${pragmas.walAutocheckpointPages}`);
  db.exec('BEGIN IMMEDIATE');
  try {
    db.exec(DDL);
    const row = db.prepare("SELECT value FROM bus_meta WHERE key = 'schema_version'").get() as
      { value: string } | undefined;
    if (row === undefined) {
      db.prepare("INSERT INTO bus_meta (key, value) VALUES ('schema_version', ?)").run(
        String(SQLITE_BUS_SCHEMA_VERSION),
      );
    } else if (Number(row.value) > SQLITE_BUS_SCHEMA_VERSION) {
      throw new Error(
        `The bus file has schema version ${row.value}; this build understands up to ${SQLITE_BUS_SCHEMA_VERSION}`,
      );
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
