import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Clock, manualClock } from '@soc/runtime';
import { CosmosStateStore, MemoryStateStore, SqliteStateStore, StateClaimLedger, type StateClaimLedgerOptions, type StateStore } from '@soc/state';
import { type CosmosTestServer, startCosmosTestServer } from '@soc/state/testing';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';

const dir = mkdtempSync(join(tmpdir(), 'soc-claims-'));
let n = 0;
let cosmos: CosmosTestServer;
beforeAll(async () => {
  cosmos = await startCosmosTestServer();
});
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await cosmos.close();
});

const LEASE = 60_000;
const COLLECTION = 'test-claims';
const DAY_MS = 24 * 3600 * 1000;

const stores: [string, (clock: Clock) => StateStore | Promise<StateStore>][] = [
  ['memory', (clock) => new MemoryStateStore({ clock })],
  ['sqlite', (clock) => new SqliteStateStore({ path: join(dir, `claims-${++n}.db`), clock, purgeIntervalMs: 0 })],
  [
    'cosmos (@vercel/cosmosdb-server)',
    (clock) =>
      CosmosStateStore.open({
        endpoint: cosmos.endpoint,
        key: cosmos.key,
        agent: cosmos.agent,
        database: 'soc',
        container: `claims-${++n}`,
        createIfNotExists: true,
        clock,
      }),
  ],
];

describe.each(stores)('StateClaimLedger on the %s state store', (_name, makeStore) => {
  let clock: ReturnType<typeof manualClock>;
  let state: StateStore;
  const ledgerOf = (options: Partial<StateClaimLedgerOptions> = {}): StateClaimLedger =>
    new StateClaimLedger(state, { collection: COLLECTION, now: clock.now, leaseMs: LEASE, ...options });

  beforeEach(async () => {
    clock = manualClock('2026-11-23T09:00:00.000Z');
    state = await makeStore(clock);
  });
  afterEach(async () => {
    await state.close();
  });

  it('the first claim holds the key; until it is done or runs out, other claims and look-ups meet busy', async () => {
    const ledger = ledgerOf();
    expect(await ledger.lookup('k')).toBeUndefined();
    expect(await ledger.claim('k')).toEqual({ kind: 'claimed' });
    expect(await ledger.claim('k')).toEqual({ kind: 'busy' });
    clock.advance(LEASE - 1);
    expect(await ledger.lookup('k')).toEqual({ kind: 'busy' });
    expect(await ledger.claim('k')).toEqual({ kind: 'busy' });
  });

  it('a key marked done answers done with its outcome, to claims and look-ups, long after the lease', async () => {
    const ledger = ledgerOf();
    await ledger.claim('k');
    await ledger.markDone('k', 'delivery-1');
    clock.advance(LEASE * 10);
    expect(await ledger.claim('k')).toEqual({ kind: 'done', outcome: 'delivery-1' });
    expect(await ledger.lookup('k')).toEqual({ kind: 'done', outcome: 'delivery-1' });
  });

  it('of two claimers at once, one holds the key and the other meets busy', async () => {
    const ledger = ledgerOf();
    const claims = await Promise.all([ledger.claim('k'), ledger.claim('k')]);
    expect(claims.map((c) => c.kind).sort()).toEqual(['busy', 'claimed']);
  });

  it('a claim without an outcome is in doubt once its lease runs out; a look-up does not take it over, a claim does', async () => {
    const ledger = ledgerOf();
    await ledger.claim('k');
    clock.advance(LEASE);
    expect(await ledger.lookup('k')).toEqual({ kind: 'in-doubt', claimedAt: '2026-11-23T09:00:00.000Z' });
    expect(await ledger.lookup('k')).toEqual({ kind: 'in-doubt', claimedAt: '2026-11-23T09:00:00.000Z' });
    expect(await ledger.claim('k')).toEqual({ kind: 'in-doubt', claimedAt: '2026-11-23T09:00:00.000Z' });
    // The taker holds a fresh lease of its own now.
    expect(await ledger.claim('k')).toEqual({ kind: 'busy' });
    clock.advance(LEASE);
    expect(await ledger.claim('k')).toEqual({ kind: 'in-doubt', claimedAt: '2026-11-23T09:01:00.000Z' });
  });

  it('of two claimers taking a stale claim over at once, one wins the etag and the other meets busy', async () => {
    const ledger = ledgerOf();
    await ledger.claim('k');
    clock.advance(LEASE + 1);
    const claims = await Promise.all([ledger.claim('k'), ledger.claim('k')]);
    expect(claims.map((c) => c.kind).sort()).toEqual(['busy', 'in-doubt']);
  });

  it('a released key may be claimed again at once; releasing a key nobody holds is harmless', async () => {
    const ledger = ledgerOf();
    await ledger.claim('k');
    await ledger.release('k');
    expect(await ledger.lookup('k')).toBeUndefined();
    expect(await ledger.claim('k')).toEqual({ kind: 'claimed' });
    await ledger.release('never-claimed');
    expect(await ledger.claim('never-claimed')).toEqual({ kind: 'claimed' });
  });

  it('remembers a key for ttlSeconds (claim and outcome alike), then forgets it', async () => {
    const ledger = ledgerOf({ ttlSeconds: 3600 });
    await ledger.claim('k');
    clock.advance(1800_000);
    await ledger.markDone('k', 'x');
    clock.advance(1800_000 - 1);
    expect(await ledger.claim('k')).toEqual({ kind: 'done', outcome: 'x' });
    clock.advance(1801_000);
    expect(await ledger.lookup('k')).toBeUndefined();
    expect(await ledger.claim('k')).toEqual({ kind: 'claimed' });
  });

  it('remembers a key 30 days by default', async () => {
    const ledger = ledgerOf();
    await ledger.claim('k');
    await ledger.markDone('k', 'x');
    clock.advance(30 * DAY_MS - 1000);
    expect(await ledger.lookup('k')).toEqual({ kind: 'done', outcome: 'x' });
    clock.advance(2000);
    expect(await ledger.lookup('k')).toBeUndefined();
  });

  it('stores one document per key under the sha-256 of the key (bounded ids, stable for deployed ledgers), per collection', async () => {
    const ledger = ledgerOf();
    const long = `act:${'x'.repeat(5000)}`;
    expect(await ledger.claim(long)).toEqual({ kind: 'claimed' });
    await ledger.markDone(long, 'ok');
    const rows = await state.query<{ key: string; status: string; outcome: string }>(COLLECTION);
    expect(rows.map((r) => r.id)).toEqual([createHash('sha256').update(long).digest('hex')]);
    expect(rows[0]?.value).toMatchObject({ key: long, status: 'done', outcome: 'ok' });
    // Another collection is another ledger.
    expect(await ledgerOf({ collection: 'other-claims' }).claim(long)).toEqual({ kind: 'claimed' });
  });

  it('reads a document of an older shape through legacyOutcome: done when it says so, otherwise a claim by its claimedAt', async () => {
    const id = (key: string): string => createHash('sha256').update(key).digest('hex');
    await state.put(COLLECTION, id('old-done'), { key: 'old-done', claimedAt: '2026-11-01T00:00:00.000Z', ticketId: 'INC0010001' });
    await state.put(COLLECTION, id('old-claim'), { key: 'old-claim', claimedAt: '2026-11-23T09:00:00.000Z' });
    const ledger = ledgerOf({ legacyOutcome: (v) => (typeof v.ticketId === 'string' ? v.ticketId : undefined) });
    expect(await ledger.claim('old-done')).toEqual({ kind: 'done', outcome: 'INC0010001' });
    expect(await ledger.claim('old-claim')).toEqual({ kind: 'busy' });
    // Without the reader the old done record is only a stale claim.
    expect(await ledgerOf().lookup('old-done')).toEqual({ kind: 'in-doubt', claimedAt: '2026-11-01T00:00:00.000Z' });
  });
});
