import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { describeStateStoreContract } from '@soc/state/testing';
import { describe, expect, it } from 'vitest';

describeStateStoreContract('memory', ({ clock }) => new MemoryStateStore({ clock }));

describe('MemoryStateStore', () => {
  it('hands out copies: mutating a read or a written value does not change the stored document', async () => {
    const store = new MemoryStateStore();
    const value = { tags: ['a'] };
    await store.put('cases', 'c1', value);
    value.tags.push('mutated after put');
    const read = await store.get<{ tags: string[] }>('cases', 'c1');
    read?.value.tags.push('mutated after get');
    expect((await store.get('cases', 'c1'))?.value).toEqual({ tags: ['a'] });
  });

  it('purges expired documents and keys on demand', async () => {
    const clock = manualClock();
    const store = new MemoryStateStore({ clock });
    await store.put('dedup', 'd1', 1, { ttlSeconds: 1 });
    await store.put('dedup', 'd2', 2);
    await store.claimIdempotencyKey('k', 1);
    clock.advance(1000);
    expect(await store.purgeExpired()).toBe(2);
    expect((await store.query('dedup')).map((r) => r.id)).toEqual(['d2']);
  });
});
