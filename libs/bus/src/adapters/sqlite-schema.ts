import type { DatabaseSync } from 'node:sqlite';
import { DEFAULT_PRIORITY, laneOf, Priority } from '@soc/contracts';

/** Bumped when the layout changes; a file with a newer version is refused rather than misread. */
export const SQLITE_BUS_SCHEMA_VERSION = 2;

/** Lane of a delivery stored before lanes existed (schema 1), or of a row written without one: `normal`. */
const DEFAULT_LANE = laneOf(DEFAULT_PRIORITY);

/** Every lane, highest first, as an SQL list: `IN (0, 1, 2, 3)` turns receive into one range scan per lane. */
const ALL_LANES = Priority.options.map(laneOf).join(', ');

/**
 * The durable bus layout. A message is stored once (`bus_messages`, keyed by event id, which is also the
 * idempotency record) and fans out to one `bus_deliveries` row per matching subscription, carrying the lane of
 * the event's priority (0 critical … 3 low), fixed at publish.
 *
 * A delivery is receivable when `state = 0 AND visible_at <= now`. `visible_at` is deliberately one column for
 * three moments: when a new or replayed delivery becomes visible, when a retry's backoff ends, and — while
 * `lock_token` is set — when the lock expires (its `locked_until`). One column makes lock expiry free (an expired
 * lock is simply visible again) and keeps receive ({@link LOCK_BATCH_SQL}) a range scan of
 * `bus_deliveries_ready_by_lane` (subscription, lane, visible_at, then the rowid): `lane IN (…)` makes SQLite
 * walk one range per lane in lane order, so the rows come out already sorted by lane, visible_at and id and the
 * scan stops at the batch size — no sort, and invisible rows of a lane are never read past its visible ones.
 *
 * `bus_instances` names the processes that have the file open (host, pid), so one that starts after a crash can
 * free the dead one's locks at once (see `registerBusInstance`); a file of an older build simply gains the table.
 *
 * Indexes are kept to what the hot path needs: every index is one more B-tree write per message or delivery,
 * and an id-keyed index means a random page per write. Dead-letter look-ups go through the small
 * `bus_deliveries_dead` index; retention purges walk `bus_messages` in rowid (publish) order from a cursor.
 */
const TABLES = `
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
  dl_at          INTEGER,
  lane           INTEGER NOT NULL DEFAULT ${DEFAULT_LANE}
) STRICT;

CREATE TABLE IF NOT EXISTS bus_instances (
  instance_id TEXT PRIMARY KEY,
  host        TEXT NOT NULL,
  pid         INTEGER NOT NULL,
  started_at  INTEGER NOT NULL
) STRICT;
`;

const INDEXES = `
CREATE INDEX IF NOT EXISTS bus_deliveries_ready_by_lane ON bus_deliveries (subscription, lane, visible_at) WHERE state = 0;
CREATE INDEX IF NOT EXISTS bus_deliveries_dead ON bus_deliveries (subscription, dl_at) WHERE state = 1;
`;

/**
 * Upgrades from each version to the next, applied in order inside the opening transaction (the indexes of the
 * current layout are created after them). Version 1 had no lanes: its deliveries become `normal`, and its ready
 * index (subscription, visible_at) is replaced, since keeping it would cost a B-tree write per delivery for nothing.
 */
const MIGRATIONS: Readonly<Record<number, string>> = {
  1: `
ALTER TABLE bus_deliveries ADD COLUMN lane INTEGER NOT NULL DEFAULT ${DEFAULT_LANE};
DROP INDEX IF EXISTS bus_deliveries_ready;
`,
};

/** Delivery states stored in `bus_deliveries.state`. */
export const DeliveryState = { active: 0, deadLettered: 1 } as const;

/**
 * Receive: locks up to `?5` visible deliveries of subscription `?3` at `?4` with token `?1` until `?2` — the
 * highest lane first, FIFO (visible_at, then id) within a lane — in one statement. See the layout comment for
 * why it stays a range scan; a test checks its query plan.
 */
export const LOCK_BATCH_SQL = `UPDATE bus_deliveries SET lock_token = ?1, visible_at = ?2, delivery_count = delivery_count + 1
 WHERE id IN (SELECT id FROM bus_deliveries
   WHERE subscription = ?3 AND state = ${DeliveryState.active} AND lane IN (${ALL_LANES}) AND visible_at <= ?4
   ORDER BY lane, visible_at, id LIMIT ?5)
 RETURNING id, message_id, delivery_count, lane`;

/** The poll's read-only probe: is anything of subscription `?1` visible at `?2`? Same range scans, one row. */
export const HAS_READY_SQL = `SELECT 1 AS found FROM bus_deliveries
 WHERE subscription = ?1 AND state = ${DeliveryState.active} AND lane IN (${ALL_LANES}) AND visible_at <= ?2 LIMIT 1`;

/** Options of {@link openSqliteBusDatabase}. */
export interface SqlitePragmas {
  readonly busyTimeoutMs: number;
  readonly synchronous: 'NORMAL' | 'FULL';
  /** WAL pages between automatic checkpoints; each checkpoint syncs, so fewer, larger ones cost less per message. */
  readonly walAutocheckpointPages: number;
}

/**
 * Applies the pragmas and creates or upgrades the schema. WAL lets readers (polls, admin) run beside the one
 * writer; `synchronous=NORMAL` in WAL survives a process crash and only risks the last commits on power loss;
 * `busy_timeout` makes competing processes wait for the write lock instead of failing. The upgrade runs in the
 * same `BEGIN IMMEDIATE` as the creation, so of several processes opening an old file one migrates it and the
 * others find it done.
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
    db.exec(TABLES);
    const row = db.prepare("SELECT value FROM bus_meta WHERE key = 'schema_version'").get() as
      { value: string } | undefined;
    const version = row === undefined ? SQLITE_BUS_SCHEMA_VERSION : Number(row.value);
    if (version > SQLITE_BUS_SCHEMA_VERSION) {
      throw new Error(
        `The bus file has schema version ${version}; this build understands up to ${SQLITE_BUS_SCHEMA_VERSION}: upgrade SOC Copilot`,
      );
    }
    for (let v = version; v < SQLITE_BUS_SCHEMA_VERSION; v++) {
      const step = MIGRATIONS[v];
      if (step === undefined) throw new Error(`No migration of the bus file from schema version ${v}`);
      db.exec(step);
    }
    db.exec(INDEXES);
    if (row === undefined || version < SQLITE_BUS_SCHEMA_VERSION) {
      db.prepare(
        "INSERT INTO bus_meta (key, value) VALUES ('schema_version', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
      ).run(String(SQLITE_BUS_SCHEMA_VERSION));
    }
    db.exec('COMMIT');
  } catch (error) {
    db.exec('ROLLBACK');
    throw error;
  }
}
