import { AppError } from '@soc/runtime';
import { MemoryStateStore, updateWithRetry, type PutOptions, type StateStore } from '@soc/state';
import { describe, expect, it } from 'vitest';

/** A store whose next `n` writes lose a race, the way a concurrent writer would make them. */
function losingStore(n: number, code: 'PRECONDITION_FAILED' | 'CONFLICT'): StateStore & { writes: number } {
  const inner = new MemoryStateStore();
  let losses = n;
  const store = {
    writes: 0,
    get: inner.get.bind(inner),
    delete: inner.delete.bind(inner),
    query: inner.query.bind(inner),
    claimIdempotencyKey: inner.claimIdempotencyKey.bind(inner),
    close: inner.close.bind(inner),
    async put<T>(collection: string, id: string, value: T, options?: PutOptions): Promise<string> {
      store.writes++;
      if (losses-- > 0) throw new AppError(code, 'lost the race', { retryable: code === 'PRECONDITION_FAILED' });
      return inner.put(collection, id, value, options);
    },
  };
  return store;
}

const instant = { sleep: async () => {}, random: () => 0.5 };

describe('updateWithRetry', () => {
  it('retries lost races from a fresh read and returns the written value', async () => {
    const store = losingStore(3, 'PRECONDITION_FAILED');
    expect(await updateWithRetry<number>(store, 'counters', 'n', (c) => (c ?? 0) + 1, instant)).toBe(1);
    expect(store.writes).toBe(4);
  });

  it('retries a CONFLICT from a create race', async () => {
    const store = losingStore(1, 'CONFLICT');
    expect(await updateWithRetry<string>(store, 'cases', 'c', () => 'created', instant)).toBe('created');
  });

  it('gives up after maxAttempts with a retryable PRECONDITION_FAILED, even when the last loss was a CONFLICT', async () => {
    const store = losingStore(10, 'CONFLICT');
    await expect(
      updateWithRetry<number>(store, 'counters', 'n', () => 1, { ...instant, maxAttempts: 3 }),
    ).rejects.toMatchObject({
      code: 'PRECONDITION_FAILED',
      retryable: true,
      details: { attempts: 3 },
    });
    expect(store.writes).toBe(3);
  });

  it('backs off exponentially with jitter, capped', async () => {
    const delays: number[] = [];
    const store = losingStore(6, 'PRECONDITION_FAILED');
    await updateWithRetry<number>(store, 'counters', 'n', () => 1, {
      sleep: async (ms) => {
        delays.push(ms);
      },
      random: () => 0.999,
      initialBackoffMs: 10,
      maxBackoffMs: 100,
    });
    expect(delays).toEqual([9, 19, 39, 79, 99, 99]);
  });

  it('does not retry other errors', async () => {
    const store = new MemoryStateStore();
    await expect(updateWithRetry(store, 'bad name', 'x', () => 1, instant)).rejects.toMatchObject({
      code: 'VALIDATION_FAILED',
    });
  });

  it('passes the current value and writes nothing when the updater returns undefined', async () => {
    const store = losingStore(0, 'CONFLICT');
    await store.put('cases', 'c', { status: 'closed' });
    const seen: unknown[] = [];
    const result = await updateWithRetry<{ status: string }>(store, 'cases', 'c', (c) => {
      seen.push(c);
      return c?.status === 'closed' ? undefined : { status: 'closed' };
    });
    expect(seen).toEqual([{ status: 'closed' }]);
    expect(result).toEqual({ status: 'closed' });
    expect(store.writes).toBe(1);
  });
});
