import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { LaneReceiveLoop, type LaneReceiver } from '../src/adapters/lane-receive-loop.ts';

/**
 * A lane's entity as the SDK's batching receiver shows it: a receive returns what is there (up to `max`) or waits
 * for the first arrival until its wait time; a second receive while one is in progress is refused, as the SDK does.
 */
class FakeReceiver implements LaneReceiver<string> {
  readonly queue: string[] = [];
  readonly abandoned: string[] = [];
  failures = 0;
  #pending: { max: number; resolve: (m: string[]) => void } | undefined;
  #receiving = false;

  push(...ids: string[]): void {
    this.queue.push(...ids);
    const pending = this.#pending;
    if (pending !== undefined && this.queue.length > 0) {
      this.#pending = undefined;
      pending.resolve(this.queue.splice(0, pending.max));
    }
  }

  async receiveMessages(max: number, options: { maxWaitTimeInMs: number; abortSignal: AbortSignal }) {
    if (this.#receiving) throw new Error('The receiver is already receiving messages.');
    if (this.failures > 0) {
      this.failures--;
      throw new Error('ServiceCommunicationProblem');
    }
    this.#receiving = true;
    try {
      if (this.queue.length > 0) return this.queue.splice(0, max);
      return await new Promise<string[]>((resolve, reject) => {
        const settle = (outcome: () => void) => {
          clearTimeout(timer);
          options.abortSignal.removeEventListener('abort', onAbort);
          this.#pending = undefined;
          outcome();
        };
        const onAbort = () => settle(() => reject(new Error('aborted')));
        const timer = setTimeout(() => settle(() => resolve([])), options.maxWaitTimeInMs);
        options.abortSignal.addEventListener('abort', onAbort);
        this.#pending = { max, resolve: (m) => settle(() => resolve(m)) };
      });
    } finally {
      this.#receiving = false;
    }
  }

  abandonMessage(message: string): Promise<void> {
    this.abandoned.push(message);
    return Promise.resolve();
  }
}

/** Handlers that run until the test releases them. */
class Handlers {
  readonly started: string[] = [];
  readonly #release = new Map<string, () => void>();
  running = 0;
  peak = 0;
  /** Once set, handlers return at once (teardown). */
  done = false;

  handle = async (_lane: number, id: string): Promise<void> => {
    this.started.push(id);
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    if (!this.done) await new Promise<void>((resolve) => this.#release.set(id, resolve));
    this.running--;
  };

  release(id: string): void {
    const release = this.#release.get(id);
    if (release === undefined) throw new Error(`${id} is not running`);
    this.#release.delete(id);
    release();
  }

  releaseAll(): void {
    for (const id of [...this.#release.keys()]) this.release(id);
  }
}

async function until(probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(2);
  }
}

const ids = (prefix: string, n: number): string[] => Array.from({ length: n }, (_, i) => `${prefix}${i}`);
const loops: { loop: LaneReceiveLoop<string>; handlers: Handlers }[] = [];

afterEach(async () => {
  for (const { handlers } of loops) {
    handlers.done = true;
    handlers.releaseAll();
  }
  await Promise.all(loops.splice(0).map(({ loop }) => loop.close()));
});

function startLoop(capacity: number, handlers: Handlers, errors: unknown[] = []) {
  const receivers = [new FakeReceiver(), new FakeReceiver(), new FakeReceiver(), new FakeReceiver()] as const;
  const loop = new LaneReceiveLoop<string>({
    receivers,
    capacity,
    handle: handlers.handle,
    onError: (error) => errors.push(error),
    fillWaitMs: 5,
    watchWaitMs: 200,
    failureDelayMs: () => 10,
  });
  loops.push({ loop, handlers });
  loop.start();
  const [critical, high, normal, low] = receivers;
  return { loop, critical, high, normal, low };
}

describe('LaneReceiveLoop', () => {
  it('hands a critical message the first slot that frees up while every slot is busy with low ones', async () => {
    const handlers = new Handlers();
    const errors: unknown[] = [];
    const { critical, low } = startLoop(3, handlers, errors);
    low.push(...ids('l', 30));
    await until(() => handlers.running === 3, 'three low handlers');
    critical.push('c0');
    await sleep(20);
    expect(handlers.started).toEqual(ids('l', 3));
    handlers.release('l1');
    await until(() => handlers.started.length === 4, 'the next start');
    expect(handlers.started[3]).toBe('c0');
    // Nothing else was received from the low lane beyond what could run (plus nothing buffered there).
    expect(low.queue).toHaveLength(27);
    for (let i = 0; i < 40 && handlers.started.length < 31; i++) {
      handlers.releaseAll();
      await sleep(5);
    }
    await until(() => handlers.started.length === 31, 'every message');
    expect(handlers.started.filter((id) => id !== 'c0')).toEqual(ids('l', 30));
    expect(handlers.peak).toBeLessThanOrEqual(3);
    expect(errors).toEqual([]);
  });

  it('reads a lower lane only once the higher ones come up short', async () => {
    const handlers = new Handlers();
    const { high, normal } = startLoop(2, handlers);
    high.push(...ids('h', 5));
    normal.push(...ids('n', 5));
    for (let i = 0; i < 100 && handlers.started.length < 10; i++) {
      handlers.releaseAll();
      await sleep(3);
    }
    expect(handlers.started).toEqual([...ids('h', 5), ...ids('n', 5)]);
  });

  it('reports a failed receive, backs off on that lane and recovers', async () => {
    const handlers = new Handlers();
    const errors: unknown[] = [];
    const { normal, loop } = startLoop(2, handlers, errors);
    await sleep(30);
    normal.failures = 2;
    normal.push('n0');
    // The watch already open on the lane still delivers; the next receives fail twice, then work again.
    await until(() => handlers.started.includes('n0'), 'n0');
    handlers.release('n0');
    normal.push('n1');
    await until(() => handlers.started.includes('n1'), 'n1 after the failures');
    expect(errors.map(String)).toEqual(['Error: ServiceCommunicationProblem', 'Error: ServiceCommunicationProblem']);
    handlers.releaseAll();
    expect(loop.inFlight).toBeLessThanOrEqual(1);
  });

  it('close() stops receiving, gives back what it received but did not start, and waits for running handlers', async () => {
    const handlers = new Handlers();
    const { loop, critical, low } = startLoop(1, handlers);
    low.push('l0', 'l1');
    await until(() => handlers.running === 1, 'l0 running');
    critical.push('c0');
    await sleep(10);
    let closed = false;
    const closing = loop.close().then(() => (closed = true));
    await sleep(10);
    expect(closed).toBe(false);
    handlers.release('l0');
    await closing;
    expect(critical.abandoned).toEqual(['c0']);
    expect(handlers.started).toEqual(['l0']);
    expect(low.queue).toEqual(['l1']);
  });
});
