import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { manualClock } from '@soc/runtime';
import { openStateStore, SqliteStateStore, StateStoreConfig } from '@soc/state';
import { describeStateStoreContract } from '@soc/state/testing';
import { afterAll, describe, expect, it } from 'vitest';

// A real file, not :memory:, so the contract also exercises WAL mode and the on-disk schema.
const dir = mkdtempSync(join(tmpdir(), 'soc-state-'));
let n = 0;
const freshPath = (): string => join(dir, `state-${++n}.db`);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describeStateStoreContract(
  'sqlite',
  ({ clock }) => new SqliteStateStore({ path: freshPath(), clock, purgeIntervalMs: 0 }),
);
describeStateStoreContract(
  'sqlite, batchWrites: false',
  ({ clock }) => new SqliteStateStore({ path: freshPath(), clock, purgeIntervalMs: 0, batchWrites: false }),
);

describe('SqliteStateStore group commit', () => {
  it('gives every write in a batch its own verdict', async () => {
    const store = new SqliteStateStore({ path: freshPath(), purgeIntervalMs: 0 });
    const etag = await store.put('cases', 'c1', 0);
    // Issued in one turn, so they share one transaction; only the first ifMatch can win.
    const outcomes = await Promise.allSettled([
      store.put('cases', 'c1', 1, { ifMatch: etag }),
      store.put('cases', 'c1', 2, { ifMatch: etag }),
      store.put('cases', 'c2', 'new', { ifNoneMatch: '*' }),
      store.put('cases', 'c2', 'again', { ifNoneMatch: '*' }),
      store.claimIdempotencyKey('k', 60),
      store.claimIdempotencyKey('k', 60),
      store.delete('cases', 'missing'),
    ]);
    expect(outcomes.map((o) => (o.status === 'fulfilled' ? typeof o.value : o.reason.code))).toEqual([
      'string',
      'PRECONDITION_FAILED',
      'string',
      'CONFLICT',
      'boolean',
      'boolean',
      'boolean',
    ]);
    expect(outcomes.slice(4).map((o) => (o.status === 'fulfilled' ? o.value : undefined))).toEqual([
      true,
      false,
      false,
    ]);
    expect((await store.get('cases', 'c1'))?.value).toBe(1);
    expect((await store.get('cases', 'c2'))?.value).toBe('new');
    await store.close();
  });

  it('lets a read see writes issued before it, even unawaited', async () => {
    const store = new SqliteStateStore({ path: freshPath(), purgeIntervalMs: 0 });
    const written = store.put('cases', 'c1', 'v');
    expect((await store.get('cases', 'c1'))?.value).toBe('v');
    await written;
    const deleted = store.delete('cases', 'c1');
    expect(await store.query('cases')).toEqual([]);
    expect(await deleted).toBe(true);
    await store.close();
  });

  it('commits pending writes on close', async () => {
    const path = freshPath();
    const store = new SqliteStateStore({ path, purgeIntervalMs: 0 });
    const pending = [store.put('cases', 'a', 1), store.put('cases', 'b', 2)];
    await store.close();
    await Promise.all(pending);
    const reopened = new SqliteStateStore({ path, purgeIntervalMs: 0 });
    expect((await reopened.query('cases')).map((r) => r.value)).toEqual([1, 2]);
    await reopened.close();
  });

  it('replays a batch one by one when a statement fails, so only the failing write fails', async () => {
    const path = freshPath();
    const store = new SqliteStateStore({ path, purgeIntervalMs: 0 });
    const { DatabaseSync } = await import('node:sqlite');
    const raw = new DatabaseSync(path);
    // A trigger stands in for a statement-level failure (disk full, I/O error) on one write of the batch.
    raw.exec(
      `CREATE TRIGGER poison BEFORE INSERT ON documents WHEN NEW.id = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END;`,
    );
    raw.close();
    const outcomes = await Promise.allSettled([
      store.put('cases', 'a', 1),
      store.put('cases', 'poison', 2),
      store.put('cases', 'b', 3),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: { name: 'AppError', code: 'INTERNAL', retryable: false } });
    expect((await store.query('cases')).map((r) => r.id)).toEqual(['a', 'b']);
    await store.close();
  });
});

describe('SqliteStateStore', () => {
  it('persists across reopen and runs in WAL mode', async () => {
    const path = freshPath();
    const first = new SqliteStateStore({ path });
    const etag = await first.put('cases', 'c1', { status: 'open' });
    await first.close();
    const second = new SqliteStateStore({ path });
    expect(await second.get('cases', 'c1')).toEqual({ id: 'c1', value: { status: 'open' }, etag });
    await second.close();
    const { DatabaseSync } = await import('node:sqlite');
    const raw = new DatabaseSync(path);
    expect(raw.prepare('PRAGMA journal_mode').get()?.journal_mode).toBe('wal');
    raw.close();
  });

  it('purges expired documents and idempotency keys, in batches', async () => {
    const clock = manualClock();
    const store = new SqliteStateStore({ path: freshPath(), clock, purgeIntervalMs: 0 });
    for (let i = 0; i < 2500; i++) await store.put('dedup', `d${i}`, i, { ttlSeconds: 60 });
    await store.put('dedup', 'keep', 'forever');
    await store.claimIdempotencyKey('k1', 60);
    expect(await store.purgeExpired()).toBe(0);
    clock.advance(60_000);
    expect(await store.purgeExpired()).toBe(2501);
    expect((await store.query('dedup')).map((r) => r.id)).toEqual(['keep']);
    expect(await store.claimIdempotencyKey('k1', 60)).toBe(true);
    await store.close();
  });

  it('purges in the background on its timer', async () => {
    const clock = manualClock();
    const path = freshPath();
    const store = new SqliteStateStore({ path, clock, purgeIntervalMs: 10 });
    await store.put('dedup', 'd1', 1, { ttlSeconds: 1 });
    clock.advance(1000);
    const { DatabaseSync } = await import('node:sqlite');
    const raw = new DatabaseSync(path);
    const count = (): number => Number(raw.prepare('SELECT count(*) AS n FROM documents').get()?.n);
    await expect.poll(count, { timeout: 2000, interval: 10 }).toBe(0);
    raw.close();
    await store.close();
  });

  it('serves where and orderBy on indexed fields from the expression index', async () => {
    const store = new SqliteStateStore({
      path: freshPath(),
      indexedFields: ['status', 'severity'],
      purgeIntervalMs: 0,
    });
    const plan = store.explainQuery('cases', { where: { status: 'open' } }).join('\n');
    expect(plan).toMatch(/USING INDEX documents_by_status_/);
    const ordered = store
      .explainQuery('cases', { orderBy: { field: 'severity', direction: 'desc' }, limit: 10 })
      .join('\n');
    expect(ordered).toMatch(/USING INDEX documents_by_severity_/);
    const unindexed = store.explainQuery('cases', { where: { title: 'x' } }).join('\n');
    expect(unindexed).not.toMatch(/documents_by_title/);
    await store.close();
  });

  it('filters by an indexed field through its index and sorts, never walks another field\'s index in sort order', async () => {
    // SQLite's planner, given a LIMIT, would rather walk the ORDER BY field's index than sort: with a filter on another
    // indexed field that scans the whole collection for a handful of rows (an alert's events by time: O(n) per query).
    const indexedFields = ['alertId', 'requestId', 'receivedAt', 'time'];
    const filterFields = ['stage', 'entityKey'];
    const store = new SqliteStateStore({ path: freshPath(), indexedFields, filterFields, purgeIntervalMs: 0 });
    for (const filter of [...indexedFields, ...filterFields]) {
      for (const order of indexedFields.filter((f) => f !== filter)) {
        const plan = store.explainQuery('case-events', { where: { [filter]: 'x' }, orderBy: { field: order, direction: 'asc' }, limit: 1000 }).join(' ');
        expect({ filter, order, plan }).toEqual({ filter, order, plan: expect.stringMatching(new RegExp(`USING INDEX documents_by_${filter}_`)) });
      }
    }
    // Without a filter, the ORDER BY field's index still serves the order.
    expect(store.explainQuery('case-events', { orderBy: { field: 'time', direction: 'desc' }, limit: 200 }).join(' ')).toMatch(/USING INDEX documents_by_time_/);
    // An alert's events come back in time order either way.
    for (const [id, time] of [['e3', '2026-12-01T10:03:00Z'], ['e1', '2026-12-01T10:01:00Z'], ['e2', '2026-12-01T10:02:00Z']] as const) {
      await store.put('case-events', id, { alertId: 'a', time });
    }
    await store.put('case-events', 'other', { alertId: 'b', time: '2026-12-01T10:00:00Z' });
    expect((await store.query('case-events', { where: { alertId: 'a' }, orderBy: { field: 'time', direction: 'asc' } })).map((d) => d.id)).toEqual(['e1', 'e2', 'e3']);
    await store.close();
  });

  it('serves equality on a filter field from a partial index that documents without the field do not fill', async () => {
    const path = freshPath();
    const store = new SqliteStateStore({ path, filterFields: ['receivedHour'], purgeIntervalMs: 0 });
    expect(store.explainQuery('report-rows', { where: { receivedHour: '2026-11-23T10' } }).join('\n')).toMatch(/USING INDEX documents_by_receivedHour_\w+_partial/);
    await store.put('report-rows', 'a', { receivedHour: '2026-11-23T10' });
    await store.put('report-rows', 'b', { receivedHour: '2026-11-23T11' });
    await store.put('cases', 'c', { title: 'no hour' });
    expect((await store.query('report-rows', { where: { receivedHour: '2026-11-23T10' } })).map((d) => d.id)).toEqual(['a']);
    await store.close();
    // Two of the three documents are in the partial index; the case without the field is not.
    const { DatabaseSync } = await import('node:sqlite');
    const raw = new DatabaseSync(path);
    const indexes = raw.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'documents_by_receivedHour%'").all().map((r) => r.name);
    expect(indexes).toEqual([expect.stringMatching(/_partial$/)]);
    const indexed = raw.prepare(`SELECT count(*) AS n FROM documents INDEXED BY ${String(indexes[0])} WHERE json_extract(value, '$.receivedHour') IS NOT NULL`).get();
    expect(Number(indexed?.n)).toBe(2);
    raw.close();
  });

  it('opens from a parsed config through openStateStore', async () => {
    const config = StateStoreConfig.parse({
      kind: 'sqlite',
      path: freshPath(),
      indexedFields: ['status'],
      purgeIntervalMs: 0,
    });
    const store = await openStateStore(config);
    expect(store).toBeInstanceOf(SqliteStateStore);
    expect((store as SqliteStateStore).explainQuery('cases', { where: { status: 'open' } }).join('\n')).toMatch(
      /documents_by_status_/,
    );
    await store.close();
  });

  it('rejects an unsafe indexed field name at construction', () => {
    expect(() => new SqliteStateStore({ path: ':memory:', indexedFields: ["x') --"] })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });

  it('fails operations after close with a non-retryable error', async () => {
    const store = new SqliteStateStore({ path: ':memory:' });
    await store.close();
    await store.close();
    await expect(store.get('cases', 'x')).rejects.toMatchObject({ code: 'INTERNAL', retryable: false });
  });

  it('loses no update when several processes increment the same document through one file', async () => {
    const path = freshPath();
    const worker = fileURLToPath(new URL('./fixtures/increment-worker.ts', import.meta.url));
    const run = promisify(execFile);
    const processes = 4;
    const perProcess = 150;
    await Promise.all(
      Array.from({ length: processes }, () =>
        run(process.execPath, [worker, path, String(perProcess)], { timeout: 30_000 }),
      ),
    );
    const store = new SqliteStateStore({ path });
    expect((await store.get<number>('counters', 'shared'))?.value).toBe(processes * perProcess);
    expect(await store.query('claims', { limit: 1000 })).toHaveLength(0);
    await store.close();
  });
});
