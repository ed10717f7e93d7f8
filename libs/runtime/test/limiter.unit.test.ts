import { describe, expect, it } from 'vitest';
import { concurrencyLimit } from '../src/limiter.ts';

describe('concurrencyLimit', () => {
  it('runs at most max tasks at once, the rest in arrival order, and frees the slot on failure', async () => {
    const limit = concurrencyLimit(2);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    const task = (n: number, fail = false) =>
      limit(async () => {
        started.push(n);
        running++;
        peak = Math.max(peak, running);
        await new Promise((r) => setTimeout(r, 5));
        running--;
        if (fail) throw new Error(`task ${n}`);
        return n;
      });
    const results = await Promise.allSettled([task(1), task(2, true), task(3), task(4), task(5)]);
    expect(peak).toBe(2);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled', 'fulfilled', 'fulfilled']);
    expect(started).toEqual([1, 2, 3, 4, 5]);
  });
});
