import { afterAll, describe, expect, it } from 'vitest';
import { StateAuditTrail } from '@soc/audit';
import { ErrorCode, isAppError, manualClock } from '@soc/runtime';
import { SqliteStateStore } from '@soc/state';
import { CachedTuningReader, StateTriageTuningStore, type TriageTuningReader, TuningEntry } from '../src/index.ts';

const clock = manualClock('2026-11-23T10:00:00Z');
const state = new SqliteStateStore({ path: ':memory:' });
const audit = new StateAuditTrail(state, { clock });
const store = new StateTriageTuningStore(state, audit);
const entry = (id: string): TuningEntry => TuningEntry.parse({ id, kind: 'sigma-rule', sigmaRuleId: '19b08b1c-861d-4e75-a1ef-ea0c1baf202b', reason: 'noisy', author: 'root' });

afterAll(async () => {
  await state.close();
});

describe('StateTriageTuningStore', () => {
  it('of two writers of the same version exactly one wins; the loser gets a CONFLICT and its audit record is followed by config.change-abandoned', async () => {
    const results = await Promise.allSettled([
      store.change({ tenantId: 'race', expectedVersion: 0, entries: [entry('a')], principal: 'root', at: clock.now() }),
      store.change({ tenantId: 'race', expectedVersion: 0, entries: [entry('b')], principal: 'ops', at: clock.now() }),
    ]);
    const won = results.filter((r) => r.status === 'fulfilled');
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(isAppError(lost[0]!.reason) && lost[0]!.reason.code).toBe(ErrorCode.CONFLICT);
    expect((await store.history('race')).map((h) => h.version)).toEqual([1]);
    const kinds = (await audit.list({ stream: 'config' })).filter((r) => r.subject === 'triage-tuning:race').map((r) => r.kind).sort();
    expect(kinds).toEqual(['config.change-abandoned', 'config.changed', 'config.changed']);
    expect((await audit.verify()).ok).toBe(true);
  });
});

describe('CachedTuningReader', () => {
  it('reads the store at most once per refresh interval per tenant, and keeps the last version read while the store fails', async () => {
    let reads = 0;
    let failing = false;
    const inner: TriageTuningReader = {
      current: async (tenantId) => {
        reads += 1;
        if (failing) throw new Error('store down');
        return store.current(tenantId);
      },
    };
    const reader = new CachedTuningReader(inner, clock, 30_000);
    await store.change({ tenantId: 'cached', expectedVersion: 0, entries: [entry('a')], principal: 'root', at: clock.now() });
    expect((await reader.current('cached'))?.version).toBe(1);
    await store.change({ tenantId: 'cached', expectedVersion: 1, entries: [entry('b')], principal: 'root', at: clock.now() });
    expect((await reader.current('cached'))?.version).toBe(1);
    expect(reads).toBe(1);
    clock.advance(30_000);
    expect((await reader.current('cached'))?.version).toBe(2);
    failing = true;
    clock.advance(30_000);
    expect((await reader.current('cached'))?.version).toBe(2);
    await expect(reader.current('never-read')).rejects.toThrow(/store down/);
  });
});
