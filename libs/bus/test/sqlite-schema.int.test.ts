import { mkdtemp, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteBus } from '@soc/bus';
import { sampleAlertReceived } from '@soc/bus/testing';
import type { SocEvent } from '@soc/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  HAS_READY_SQL,
  LOCK_BATCH_SQL,
  prepareSqliteBusDatabase,
  SQLITE_BUS_SCHEMA_VERSION,
} from '../src/adapters/sqlite-schema.ts';

/** The layout of schema version 1 (before lanes), as files written by earlier builds have it. */
const SCHEMA_1 = `
CREATE TABLE bus_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) STRICT;
CREATE TABLE bus_subscriptions (name TEXT PRIMARY KEY, types TEXT NOT NULL, updated_at INTEGER NOT NULL) STRICT;
CREATE TABLE bus_subscription_types (type TEXT NOT NULL, subscription TEXT NOT NULL, PRIMARY KEY (type, subscription)) STRICT, WITHOUT ROWID;
CREATE TABLE bus_messages (id TEXT PRIMARY KEY, type TEXT NOT NULL, correlation_id TEXT, body TEXT NOT NULL, published_at INTEGER NOT NULL) STRICT;
CREATE TABLE bus_deliveries (
  id INTEGER PRIMARY KEY, subscription TEXT NOT NULL, message_id TEXT NOT NULL, state INTEGER NOT NULL DEFAULT 0,
  visible_at INTEGER NOT NULL, lock_token TEXT, delivery_count INTEGER NOT NULL DEFAULT 0,
  dl_reason TEXT, dl_description TEXT, dl_at INTEGER
) STRICT;
CREATE INDEX bus_deliveries_ready ON bus_deliveries (subscription, visible_at) WHERE state = 0;
CREATE INDEX bus_deliveries_dead ON bus_deliveries (subscription, dl_at) WHERE state = 1;
INSERT INTO bus_meta (key, value) VALUES ('schema_version', '1'), ('topology_version', '1');
INSERT INTO bus_subscriptions (name, types, updated_at) VALUES ('work', '["soc.alert.received.v1"]', 0);
INSERT INTO bus_subscription_types (type, subscription) VALUES ('soc.alert.received.v1', 'work');
`;

const PRAGMAS = { busyTimeoutMs: 5_000, synchronous: 'NORMAL', walAutocheckpointPages: 1_000 } as const;

let dir: string;
let path: string;
const open: SqliteBus[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'soc-sqlite-schema-'));
  path = join(dir, 'bus.db');
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
  await rm(dir, { recursive: true, force: true });
});

function openBus(): SqliteBus {
  const bus = new SqliteBus({ path, pollIntervalMs: 10 });
  open.push(bus);
  return bus;
}

function withDb<T>(fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

function planOf(db: DatabaseSync, sql: string, params: (string | number)[]): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[]).map((r) => r.detail);
}

describe('SqliteBus schema', () => {
  it('receives with one index range scan per lane and no sort, on a fresh file and on a filled, analysed one', () => {
    withDb((db) => {
      prepareSqliteBusDatabase(db, PRAGMAS);
      const check = () => {
        const lock = planOf(db, LOCK_BATCH_SQL, ['token', 1, 'work', 1, 16]);
        const probe = planOf(db, HAS_READY_SQL, ['work', 1]);
        const rangeScan =
          'SEARCH bus_deliveries USING COVERING INDEX bus_deliveries_ready_by_lane (subscription=? AND lane=? AND visible_at<?)';
        expect(lock).toContain(rangeScan);
        expect(probe).toEqual([rangeScan]);
        for (const step of [...lock, ...probe]) {
          expect(step).not.toMatch(/TEMP B-TREE|^SCAN/);
        }
      };
      check();
      const insert = db.prepare(
        'INSERT INTO bus_deliveries (subscription, message_id, state, visible_at, lane) VALUES (?, ?, ?, ?, ?)',
      );
      for (let i = 0; i < 2_000; i++)
        insert.run(['work', 'audit'][i % 2] as string, `m${i}`, i % 7 === 0 ? 1 : 0, i, i % 4);
      db.exec('ANALYZE');
      check();
    });
  });

  it('takes the highest lane first and, within a lane, the earliest visible, then the oldest row', () => {
    withDb((db) => {
      prepareSqliteBusDatabase(db, PRAGMAS);
      const insert = db.prepare(
        'INSERT INTO bus_deliveries (subscription, message_id, state, visible_at, lane) VALUES (?, ?, 0, ?, ?)',
      );
      insert.run('work', 'low-early', 1, 3);
      insert.run('work', 'normal-late', 5, 2);
      insert.run('work', 'normal-early-b', 2, 2);
      insert.run('work', 'normal-early-a', 2, 2);
      insert.run('work', 'critical-not-yet-visible', 50, 0);
      insert.run('work', 'high', 9, 1);
      insert.run('other', 'critical-elsewhere', 0, 0);
      // Each call locks until 1 000, so what it took is not taken again; RETURNING order is unspecified.
      const take = (now: number, max: number) =>
        new Set(
          (db.prepare(LOCK_BATCH_SQL).all('t', 1_000, 'work', now, max) as { message_id: string }[]).map(
            (r) => r.message_id,
          ),
        );
      expect(take(10, 2)).toEqual(new Set(['high', 'normal-early-b']));
      expect(take(10, 1)).toEqual(new Set(['normal-early-a']));
      expect(take(10, 1)).toEqual(new Set(['normal-late']));
      expect(take(10, 1)).toEqual(new Set(['low-early']));
      expect(take(10, 1)).toEqual(new Set());
      expect(take(100, 5)).toEqual(new Set(['critical-not-yet-visible']));
    });
  });

  it('upgrades a schema-1 file in place: old deliveries become normal, the old index goes, and it keeps working', async () => {
    const old = sampleAlertReceived(1, { run: 'v1' });
    withDb((db) => {
      db.exec('PRAGMA journal_mode = WAL');
      db.exec(SCHEMA_1);
      db.prepare('INSERT INTO bus_messages (id, type, correlation_id, body, published_at) VALUES (?, ?, ?, ?, ?)').run(
        old.id,
        old.type,
        old.correlationid,
        JSON.stringify(old),
        Date.now(),
      );
      db.prepare(
        "INSERT INTO bus_deliveries (subscription, message_id, state, visible_at, delivery_count) VALUES ('work', ?, 0, 0, 0)",
      ).run(old.id);
    });

    const bus = openBus();
    const seen: SocEvent[] = [];
    await bus.ensureTopology([{ name: 'work', types: ['soc.alert.received.v1'] }]);
    withDb((db) => {
      expect(db.prepare("SELECT value FROM bus_meta WHERE key = 'schema_version'").get()).toEqual({
        value: String(SQLITE_BUS_SCHEMA_VERSION),
      });
      expect(db.prepare('SELECT message_id, lane FROM bus_deliveries').all()).toEqual([
        { message_id: old.id, lane: 2 },
      ]);
      const indexes = (
        db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'bus_deliveries'").all() as {
          name: string;
        }[]
      ).map((r) => r.name);
      expect(indexes.sort()).toEqual(['bus_deliveries_dead', 'bus_deliveries_ready_by_lane']);
    });
    // A low and a critical published after the old (normal) one: the critical goes first, the low last.
    const low = sampleAlertReceived(2, { run: 'v1', priority: 'low' });
    const critical = sampleAlertReceived(3, { run: 'v1', priority: 'critical' });
    await bus.publish([low, critical]);
    bus.subscribe({ subscription: 'work', maxConcurrency: 1 }, async (e) => {
      seen.push(e);
      return { emit: [] };
    });
    for (let i = 0; i < 500 && seen.length < 3; i++) await sleep(10);
    expect(seen.map((e) => e.id)).toEqual([critical.id, old.id, low.id]);
    // Opening the upgraded file again changes nothing.
    await bus.close();
    const again = openBus();
    expect(await again.depth()).toEqual([{ subscription: 'work', active: 0, deadLettered: 0, scheduled: 0 }]);
  });

  it('refuses a file from a newer build instead of misreading it', () => {
    withDb((db) => {
      prepareSqliteBusDatabase(db, PRAGMAS);
      db.prepare("UPDATE bus_meta SET value = ? WHERE key = 'schema_version'").run(
        String(SQLITE_BUS_SCHEMA_VERSION + 1),
      );
    });
    expect(() => openBus()).toThrow(
      `schema version ${SQLITE_BUS_SCHEMA_VERSION + 1}; this build understands up to ${SQLITE_BUS_SCHEMA_VERSION}`,
    );
  });
});
