import { manualClock } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import { IntervalCheckpointer } from '../src/adapters/event-hubs/index.ts';

function setup(policy = { intervalMs: 10_000, maxEvents: 1_000 }) {
  const clock = manualClock();
  const written: number[] = [];
  let fail = false;
  const checkpointer = new IntervalCheckpointer<number>({
    policy,
    clock,
    write: async (event) => {
      if (fail) throw new Error('storage unavailable');
      written.push(event);
    },
  });
  return { clock, written, checkpointer, setFail: (value: boolean) => (fail = value) };
}

/** Feeds events `from..to` as one batch, the way the processor does: record each, then checkpoint if due. */
async function batch(checkpointer: IntervalCheckpointer<number>, from: number, to: number): Promise<boolean> {
  for (let event = from; event <= to; event++) checkpointer.ingested(event);
  return checkpointer.checkpointIfDue();
}

describe('IntervalCheckpointer', () => {
  it('writes one checkpoint per interval, of the newest ingested event, not one per event', async () => {
    const { clock, written, checkpointer } = setup();
    // 30 batches of 4 events, one second apart, with a 10 s interval.
    for (let b = 0; b < 30; b++) {
      clock.advance(1_000);
      await batch(checkpointer, b * 4 + 1, b * 4 + 4);
    }
    expect(written).toEqual([40, 80, 120]);
    expect(checkpointer.pending).toBeUndefined();
    clock.advance(1_000);
    await batch(checkpointer, 121, 121);
    expect(checkpointer.pending).toBe(121);
  });

  it('writes when maxEvents have accumulated before the interval', async () => {
    const { written, checkpointer } = setup({ intervalMs: 60_000, maxEvents: 5 });
    expect(await batch(checkpointer, 1, 3)).toBe(false);
    expect(await batch(checkpointer, 4, 6)).toBe(true);
    expect(await batch(checkpointer, 7, 9)).toBe(false);
    expect(written).toEqual([6]);
  });

  it('writes nothing for an idle partition with nothing pending, and the pending event once the interval has passed', async () => {
    const { clock, written, checkpointer } = setup();
    clock.advance(60_000);
    expect(await checkpointer.checkpointIfDue()).toBe(false);
    checkpointer.ingested(1);
    // The interval counts from the last write (none yet: from creation).
    expect(await checkpointer.checkpointIfDue()).toBe(true);
    checkpointer.ingested(2);
    clock.advance(9_999);
    expect(await checkpointer.checkpointIfDue()).toBe(false);
    clock.advance(1);
    expect(await checkpointer.checkpointIfDue()).toBe(true);
    expect(await checkpointer.checkpointIfDue()).toBe(false);
    expect(written).toEqual([1, 2]);
  });

  it('flush writes the pending event whatever the timing, and nothing when none is pending', async () => {
    const { written, checkpointer } = setup();
    expect(await checkpointer.flush()).toBe(false);
    checkpointer.ingested(1);
    checkpointer.ingested(2);
    expect(await checkpointer.flush()).toBe(true);
    expect(await checkpointer.flush()).toBe(false);
    expect(written).toEqual([2]);
  });

  it('keeps a checkpoint that failed to write and retries it at the next interval, not on every batch', async () => {
    const { clock, written, checkpointer, setFail } = setup({ intervalMs: 10_000, maxEvents: 3 });
    setFail(true);
    await expect(batch(checkpointer, 1, 3)).rejects.toThrow('storage unavailable');
    expect(checkpointer.pending).toBe(3);
    setFail(false);
    // Not retried straight away, though the failed batch had reached maxEvents.
    expect(await checkpointer.checkpointIfDue()).toBe(false);
    clock.advance(10_000);
    expect(await checkpointer.checkpointIfDue()).toBe(true);
    expect(written).toEqual([3]);
  });

  it('a failed write does not bring back an older event over a newer pending one', async () => {
    const { written, checkpointer, setFail } = setup({ intervalMs: 10_000, maxEvents: 1 });
    setFail(true);
    checkpointer.ingested(1);
    const failed = checkpointer.checkpointIfDue();
    checkpointer.ingested(2);
    await expect(failed).rejects.toThrow('storage unavailable');
    expect(checkpointer.pending).toBe(2);
    setFail(false);
    await checkpointer.flush();
    expect(written).toEqual([2]);
  });

  it('serialises writes so a later checkpoint is never overwritten by an earlier one', async () => {
    const clock = manualClock();
    const written: number[] = [];
    const releases: Array<() => void> = [];
    const checkpointer = new IntervalCheckpointer<number>({
      policy: { intervalMs: 10_000, maxEvents: 1 },
      clock,
      write: (event) =>
        new Promise<void>((resolve) => {
          releases.push(() => {
            written.push(event);
            resolve();
          });
        }),
    });
    checkpointer.ingested(1);
    const first = checkpointer.checkpointIfDue();
    checkpointer.ingested(2);
    const second = checkpointer.flush();
    await new Promise((resolve) => setImmediate(resolve));
    // The second write has not started while the first is in flight.
    expect(releases).toHaveLength(1);
    releases[0]?.();
    await first;
    await new Promise((resolve) => setImmediate(resolve));
    releases[1]?.();
    await second;
    expect(written).toEqual([1, 2]);
  });
});
