import { manualClock, type Clock } from '@soc/runtime';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { StateStore } from '../port.ts';
import { updateWithRetry } from '../update-with-retry.ts';

/** What a store factory gets from {@link describeStateStoreContract}. */
export interface StateContractContext {
  /** The store must decide expiry with this clock; the suite moves it instead of sleeping. */
  readonly clock: Clock;
}

/** Builds an empty store for one test; the suite closes it afterwards. */
export type MakeStateStore = (context: StateContractContext) => StateStore | Promise<StateStore>;

const HOUR_MS = 3_600_000;
const ids = (rows: readonly { id: string }[]): string[] => rows.map((r) => r.id);

/**
 * The behaviour every {@link StateStore} adapter must share, as one vitest suite: an adapter passes it or it is
 * not a StateStore. Run it from each adapter's test file (`describeStateStoreContract('sqlite', …)`); services
 * can then unit-test against MemoryStateStore and trust the result in production.
 */
export function describeStateStoreContract(name: string, makeStore: MakeStateStore): void {
  describe(`StateStore contract: ${name}`, () => {
    let clock: ReturnType<typeof manualClock>;
    let store: StateStore;

    beforeEach(async () => {
      clock = manualClock('2026-03-01T12:00:00.000Z');
      store = await makeStore({ clock });
    });
    afterEach(async () => {
      await store.close();
    });

    describe('get, put, delete', () => {
      it('reads an absent document as undefined', async () => {
        expect(await store.get('cases', 'nope')).toBeUndefined();
      });

      it('returns what was put, with the etag put returned', async () => {
        const etag = await store.put('cases', 'c1', { status: 'open', risk: 42 });
        expect(await store.get('cases', 'c1')).toEqual({ id: 'c1', value: { status: 'open', risk: 42 }, etag });
      });

      it('replaces on put and changes the etag on every write, even of the same value', async () => {
        const e1 = await store.put('cases', 'c1', { n: 1 });
        const e2 = await store.put('cases', 'c1', { n: 1 });
        const e3 = await store.put('cases', 'c1', { n: 2 });
        expect(new Set([e1, e2, e3]).size).toBe(3);
        expect(await store.get('cases', 'c1')).toEqual({ id: 'c1', value: { n: 2 }, etag: e3 });
      });

      it('deletes: true if the document existed, false afterwards', async () => {
        await store.put('cases', 'c1', { n: 1 });
        expect(await store.delete('cases', 'c1')).toBe(true);
        expect(await store.get('cases', 'c1')).toBeUndefined();
        expect(await store.delete('cases', 'c1')).toBe(false);
      });

      it('keeps collections apart', async () => {
        await store.put('cases', 'x', 'a case');
        await store.put('tickets', 'x', 'a ticket');
        expect((await store.get('cases', 'x'))?.value).toBe('a case');
        expect((await store.get('tickets', 'x'))?.value).toBe('a ticket');
        await store.delete('cases', 'x');
        expect((await store.get('tickets', 'x'))?.value).toBe('a ticket');
      });

      it('rejects invalid names, ids, values and options as non-retryable VALIDATION_FAILED', async () => {
        await expectAppError(store.get('bad name', 'x'), 'VALIDATION_FAILED', false);
        await expectAppError(store.get('$idempotency', 'x'), 'VALIDATION_FAILED', false);
        await expectAppError(store.get('cases', ''), 'VALIDATION_FAILED', false);
        await expectAppError(store.get('cases', 'x'.repeat(513)), 'VALIDATION_FAILED', false);
        await expectAppError(store.put('cases', 'x', undefined), 'VALIDATION_FAILED', false);
        await expectAppError(store.put('cases', 'x', { n: 1n }), 'VALIDATION_FAILED', false);
        await expectAppError(store.put('cases', 'x', 1, { ttlSeconds: 0 }), 'VALIDATION_FAILED', false);
        await expectAppError(
          store.put('cases', 'x', 1, { ifMatch: 'e', ifNoneMatch: '*' }),
          'VALIDATION_FAILED',
          false,
        );
        await expectAppError(store.claimIdempotencyKey('k', -1), 'VALIDATION_FAILED', false);
        expect(await store.get('cases', 'x')).toBeUndefined();
      });
    });

    describe('optimistic concurrency', () => {
      it('writes with the current etag and returns a new one that works for the next write', async () => {
        const e1 = await store.put('cases', 'c1', { n: 1 });
        const e2 = await store.put('cases', 'c1', { n: 2 }, { ifMatch: e1 });
        const e3 = await store.put('cases', 'c1', { n: 3 }, { ifMatch: e2 });
        expect(await store.get('cases', 'c1')).toEqual({ id: 'c1', value: { n: 3 }, etag: e3 });
      });

      it('rejects a stale ifMatch with retryable PRECONDITION_FAILED and keeps the document', async () => {
        const e1 = await store.put('cases', 'c1', { n: 1 });
        const e2 = await store.put('cases', 'c1', { n: 2 });
        await expectAppError(store.put('cases', 'c1', { n: 3 }, { ifMatch: e1 }), 'PRECONDITION_FAILED', true);
        expect(await store.get('cases', 'c1')).toEqual({ id: 'c1', value: { n: 2 }, etag: e2 });
      });

      it('rejects ifMatch on an absent document with PRECONDITION_FAILED and creates nothing', async () => {
        const e1 = await store.put('cases', 'c1', { n: 1 });
        await store.delete('cases', 'c1');
        await expectAppError(store.put('cases', 'c1', { n: 2 }, { ifMatch: e1 }), 'PRECONDITION_FAILED', true);
        expect(await store.get('cases', 'c1')).toBeUndefined();
      });

      it('creates with ifNoneMatch and rejects a second create with non-retryable CONFLICT', async () => {
        const e1 = await store.put('cases', 'c1', { n: 1 }, { ifNoneMatch: '*' });
        await expectAppError(store.put('cases', 'c1', { n: 2 }, { ifNoneMatch: '*' }), 'CONFLICT', false);
        expect(await store.get('cases', 'c1')).toEqual({ id: 'c1', value: { n: 1 }, etag: e1 });
      });

      it('lets exactly one of many concurrent creates win', async () => {
        const outcomes = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => store.put('cases', 'race', { i }, { ifNoneMatch: '*' })),
        );
        expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
        for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toMatchObject({ code: 'CONFLICT' });
      });

      it('deletes with ifMatch only while the etag is current', async () => {
        const e1 = await store.put('cases', 'c1', { n: 1 });
        const e2 = await store.put('cases', 'c1', { n: 2 });
        await expectAppError(store.delete('cases', 'c1', { ifMatch: e1 }), 'PRECONDITION_FAILED', true);
        expect((await store.get('cases', 'c1'))?.etag).toBe(e2);
        expect(await store.delete('cases', 'c1', { ifMatch: e2 })).toBe(true);
        expect(await store.delete('cases', 'c1', { ifMatch: e2 })).toBe(false);
      });
    });

    describe('TTL', () => {
      it('reads a document until its TTL passes, then as absent everywhere', async () => {
        await store.put('dedup', 'd1', { status: 'seen' }, { ttlSeconds: 60 });
        clock.advance(59_999);
        expect((await store.get('dedup', 'd1'))?.value).toEqual({ status: 'seen' });
        expect(await store.query('dedup', { where: { status: 'seen' } })).toHaveLength(1);
        clock.advance(1);
        expect(await store.get('dedup', 'd1')).toBeUndefined();
        expect(await store.query('dedup', { where: { status: 'seen' } })).toEqual([]);
        expect(await store.query('dedup')).toEqual([]);
      });

      it('treats an expired document as absent for writes: ifNoneMatch succeeds, ifMatch and delete do not see it', async () => {
        const stale = await store.put('dedup', 'd1', { n: 1 }, { ttlSeconds: 10 });
        clock.advance(10_000);
        await expectAppError(store.put('dedup', 'd1', { n: 2 }, { ifMatch: stale }), 'PRECONDITION_FAILED', true);
        expect(await store.delete('dedup', 'd1', { ifMatch: stale })).toBe(false);
        await store.put('dedup', 'd2', { n: 1 }, { ttlSeconds: 10 });
        clock.advance(10_000);
        expect(await store.delete('dedup', 'd2')).toBe(false);
        await store.put('dedup', 'd3', { n: 1 }, { ttlSeconds: 10 });
        clock.advance(10_000);
        const fresh = await store.put('dedup', 'd3', { n: 2 }, { ifNoneMatch: '*' });
        expect(await store.get('dedup', 'd3')).toEqual({ id: 'd3', value: { n: 2 }, etag: fresh });
        clock.advance(100 * HOUR_MS);
        expect((await store.get('dedup', 'd3'))?.value).toEqual({ n: 2 });
      });

      it('restarts the TTL on every write, sets it on conditional writes, and drops it on a write without one', async () => {
        await store.put('throttle', 't1', 1, { ttlSeconds: 60 });
        clock.advance(50_000);
        const etag = await store.put('throttle', 't1', 2, { ttlSeconds: 60 });
        clock.advance(50_000);
        expect((await store.get('throttle', 't1'))?.value).toBe(2);
        await store.put('throttle', 't1', 3, { ifMatch: etag });
        const untimed = await store.put('throttle', 't2', 1);
        await store.put('throttle', 't2', 2, { ifMatch: untimed, ttlSeconds: 5 });
        clock.advance(5_000);
        expect(await store.get('throttle', 't2')).toBeUndefined();
        clock.advance(1000 * HOUR_MS);
        expect((await store.get('throttle', 't1'))?.value).toBe(3);
      });
    });

    describe('query', () => {
      beforeEach(async () => {
        await store.put('cases', 'c1', {
          status: 'open',
          severity: 3,
          title: 'b',
          flag: true,
          n: 1,
          order: 'x',
          tenant: 't1',
        });
        await store.put('cases', 'c2', {
          status: 'closed',
          severity: 5,
          title: 'a',
          flag: false,
          n: '1',
          order: 'x',
          tenant: 't1',
        });
        await store.put('cases', 'c3', { status: 'open', severity: 1, title: 'c', flag: 1, n: 1.5, tenant: 't2' });
        await store.put(
          'cases',
          'c4',
          { status: 'open', severity: 4, title: 'd', tenant: 't1' },
          { ttlSeconds: HOUR_MS / 1000 },
        );
        await store.put('alerts', 'a1', { status: 'open', severity: 9, title: 'z', tenant: 't1' });
      });
      it('lists a collection in id order by default, and only that collection', async () => {
        expect(ids(await store.query('cases'))).toEqual(['c1', 'c2', 'c3', 'c4']);
        expect(ids(await store.query('alerts'))).toEqual(['a1']);
        expect(await store.query('empty')).toEqual([]);
      });

      it('filters by equality on several top-level fields (AND)', async () => {
        expect(ids(await store.query('cases', { where: { status: 'open' } }))).toEqual(['c1', 'c3', 'c4']);
        expect(ids(await store.query('cases', { where: { status: 'open', tenant: 't1' } }))).toEqual(['c1', 'c4']);
        expect(ids(await store.query('cases', { where: { status: 'open', severity: 3 } }))).toEqual(['c1']);
        expect(ids(await store.query('cases', { where: { status: 'nobody' } }))).toEqual([]);
      });

      it('compares with strict types: true is not 1 and 1 is not "1"', async () => {
        expect(ids(await store.query('cases', { where: { flag: true } }))).toEqual(['c1']);
        expect(ids(await store.query('cases', { where: { flag: false } }))).toEqual(['c2']);
        expect(ids(await store.query('cases', { where: { flag: 1 } }))).toEqual(['c3']);
        expect(ids(await store.query('cases', { where: { n: 1 } }))).toEqual(['c1']);
        expect(ids(await store.query('cases', { where: { n: '1' } }))).toEqual(['c2']);
        expect(ids(await store.query('cases', { where: { n: 1.5 } }))).toEqual(['c3']);
      });

      it('orders by a number or string field in either direction, and limits', async () => {
        expect(ids(await store.query('cases', { orderBy: { field: 'severity', direction: 'desc' } }))).toEqual([
          'c2',
          'c4',
          'c1',
          'c3',
        ]);
        expect(ids(await store.query('cases', { orderBy: { field: 'severity', direction: 'asc' }, limit: 2 }))).toEqual(
          ['c3', 'c1'],
        );
        expect(ids(await store.query('cases', { orderBy: { field: 'title', direction: 'asc' } }))).toEqual([
          'c2',
          'c1',
          'c3',
          'c4',
        ]);
        expect(
          ids(
            await store.query('cases', {
              where: { status: 'open' },
              orderBy: { field: 'title', direction: 'desc' },
              limit: 2,
            }),
          ),
        ).toEqual(['c4', 'c3']);
        expect(ids(await store.query('cases', { limit: 1 }))).toEqual(['c1']);
      });

      it('returns values and current etags', async () => {
        const [row] = await store.query<{ title: string }>('cases', { where: { title: 'c' } });
        expect(row).toEqual(await store.get('cases', 'c3'));
      });

      it('accepts field names that are keywords in SQL dialects', async () => {
        expect(
          ids(await store.query('cases', { where: { order: 'x' }, orderBy: { field: 'order', direction: 'asc' } })),
        ).toEqual(['c1', 'c2']);
      });

      it('rejects unsafe field names and out-of-range limits as VALIDATION_FAILED', async () => {
        await expectAppError(
          store.query('cases', { where: { "status') OR 1=1 --": 'x' } }),
          'VALIDATION_FAILED',
          false,
        );
        await expectAppError(store.query('cases', { where: { 'a.b': 'x' } }), 'VALIDATION_FAILED', false);
        await expectAppError(
          store.query('cases', { orderBy: { field: 'x"]', direction: 'asc' } }),
          'VALIDATION_FAILED',
          false,
        );
        await expectAppError(store.query('cases', { limit: 0 }), 'VALIDATION_FAILED', false);
        await expectAppError(store.query('cases', { limit: 1001 }), 'VALIDATION_FAILED', false);
      });

      it('treats filter values as data, never as query text', async () => {
        await store.put('cases', 'evil', { status: "x' OR '1'='1", title: '" OR 1=1 --' });
        expect(ids(await store.query('cases', { where: { status: "x' OR '1'='1" } }))).toEqual(['evil']);
        expect(ids(await store.query('cases', { where: { title: '" OR 1=1 --' } }))).toEqual(['evil']);
      });
    });

    describe('idempotency keys', () => {
      it('is claimed once while remembered and again after its TTL', async () => {
        expect(await store.claimIdempotencyKey('notify:evt-1', 60)).toBe(true);
        expect(await store.claimIdempotencyKey('notify:evt-1', 60)).toBe(false);
        expect(await store.claimIdempotencyKey('notify:evt-2', 60)).toBe(true);
        clock.advance(59_999);
        expect(await store.claimIdempotencyKey('notify:evt-1', 60)).toBe(false);
        clock.advance(1);
        expect(await store.claimIdempotencyKey('notify:evt-1', 60)).toBe(true);
        expect(await store.claimIdempotencyKey('notify:evt-1', 60)).toBe(false);
      });

      it('lets exactly one of many concurrent claims win', async () => {
        const claims = await Promise.all(
          Array.from({ length: 12 }, () => store.claimIdempotencyKey('ticket:evt-9', 60)),
        );
        expect(claims.filter(Boolean)).toHaveLength(1);
      });

      it('does not mix with documents', async () => {
        await store.put('cases', 'k', 1);
        expect(await store.claimIdempotencyKey('k', 60)).toBe(true);
        expect((await store.get('cases', 'k'))?.value).toBe(1);
        expect(ids(await store.query('cases'))).toEqual(['k']);
      });
    });

    describe('updateWithRetry', () => {
      it('loses no update when many tasks increment the same document at once', async () => {
        const tasks = 16;
        await Promise.all(
          Array.from({ length: tasks }, (_, i) =>
            updateWithRetry<{ count: number; seen: number[] }>(
              store,
              'counters',
              'alerts-per-host',
              (c) => ({ count: (c?.count ?? 0) + 1, seen: [...(c?.seen ?? []), i] }),
              { maxAttempts: 200, initialBackoffMs: 1, maxBackoffMs: 20 },
            ),
          ),
        );
        const final = await store.get<{ count: number; seen: number[] }>('counters', 'alerts-per-host');
        expect(final?.value.count).toBe(tasks);
        expect([...(final?.value.seen ?? [])].sort((a, b) => a - b)).toEqual(
          Array.from({ length: tasks }, (_, i) => i),
        );
      });

      it('creates when absent, applies TTL, and leaves the document alone when the updater returns undefined', async () => {
        expect(await updateWithRetry<number>(store, 'counters', 'n', (c) => (c ?? 0) + 1, { ttlSeconds: 60 })).toBe(1);
        const before = await store.get('counters', 'n');
        expect(await updateWithRetry<number>(store, 'counters', 'n', () => undefined)).toBe(1);
        expect((await store.get('counters', 'n'))?.etag).toBe(before?.etag);
        clock.advance(60_000);
        expect(await store.get('counters', 'n')).toBeUndefined();
      });
    });

    describe('round trip', () => {
      const values: Record<string, unknown> = {
        nested: {
          alert: {
            id: 'a-1',
            entities: [
              { type: 'host', name: 'ws-0042' },
              { type: 'ip', value: '203.0.113.7', tags: [] },
            ],
            meta: {},
          },
          numbers: [0, -1, 1.5, 0.1, 1234.5678, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1e21, 5e-324],
          flags: [true, false, null],
          deep: { a: { b: { c: { d: { e: { f: ['g'] } } } } } },
        },
        unicode: {
          text: 'Grüße, 世界, مرحبا, Ελληνικά, 😀👩🏽‍💻, e\u0301, \u200b',
          escapes: 'quote " backslash \\ newline \n tab \t nul \u0000 bell \u0007',
          'key with spaces': 1,
          'dotted.key': 2,
          ключ: 3,
          $dollar: 4,
          _underscore: 5,
          '': 'empty key',
        },
        string: 'just a string',
        emptyString: '',
        number: 42.25,
        boolean: false,
        nullValue: null,
        array: [1, 'two', { three: 3 }, [4]],
        emptyObject: {},
      };
      for (const [label, value] of Object.entries(values)) {
        it(`returns ${label} unchanged from get and query`, async () => {
          await store.put('values', label, value);
          expect((await store.get('values', label))?.value).toEqual(value);
          const [row] = await store.query('values', { limit: 1 });
          expect(row?.value).toEqual(value);
        });
      }

      it('treats ids as opaque strings', async () => {
        const odd = [
          'a/b',
          'a\\b',
          'a#b',
          'a?b=1&c',
          'a%2Fb',
          '100%',
          'with space',
          ' lead',
          'trail.',
          '.',
          '..',
          'ünï©ødé',
          '😀',
          '~x',
          'tenant:alert@host=1',
          'x'.repeat(512),
        ];
        for (const [i, id] of odd.entries()) await store.put('odd', id, { i });
        for (const [i, id] of odd.entries()) expect(await store.get('odd', id)).toMatchObject({ id, value: { i } });
        expect((await store.query('odd', { limit: 1000 })).map((r) => r.id).sort()).toEqual([...odd].sort());
        for (const id of odd) expect(await store.delete('odd', id)).toBe(true);
      });
    });
  });
}

async function expectAppError(promise: Promise<unknown>, code: string, retryable: boolean): Promise<void> {
  await expect(promise).rejects.toMatchObject({ name: 'AppError', code, retryable });
}
