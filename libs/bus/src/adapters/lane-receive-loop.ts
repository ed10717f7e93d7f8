import { setTimeout as sleep } from 'node:timers/promises';
import { LaneScheduler } from './lane-scheduler.ts';

/** The part of a peek-lock receiver the loop uses: `ServiceBusReceiver` fits, and so does a test fake. */
export interface LaneReceiver<M> {
  receiveMessages(max: number, options: { maxWaitTimeInMs: number; abortSignal: AbortSignal }): Promise<M[]>;
  abandonMessage(message: M): Promise<void>;
}

/** Options of {@link LaneReceiveLoop}. */
export interface LaneReceiveLoopOptions<M> {
  /** One receiver per lane, highest lane first. */
  readonly receivers: readonly LaneReceiver<M>[];
  /** Handlers running at once. */
  readonly capacity: number;
  /** Handles and settles one message (through the receiver of its lane). */
  readonly handle: (lane: number, message: M) => Promise<void>;
  /** A receive failed (the loop backs off on that lane, then tries again), or a handler rejected. */
  readonly onError: (error: unknown, lane: number, during: 'receive' | 'handle') => void;
  /** How long a fill waits for messages once asked: bounds the delay a partial batch adds. Default 50 ms. */
  readonly fillWaitMs?: number;
  /** How long a watch long-polls an empty lane before asking again. Default 30 s. */
  readonly watchWaitMs?: number;
  /** Back-off before retrying a lane whose receive failed, by consecutive failures. Default 1 s, 2 s … 30 s. */
  readonly failureDelayMs?: (failures: number) => number;
}

const DEFAULT_FILL_WAIT_MS = 50;
const DEFAULT_WATCH_WAIT_MS = 30_000;
const defaultFailureDelay = (failures: number): number => Math.min(30_000, 1_000 * 2 ** (failures - 1));

/**
 * Receives from one entity per lane and runs handlers in lane order, as {@link LaneScheduler} decides: the I/O half
 * of a lane-aware consumer. Every receive is pull (`receiveMessages`), so nothing is locked that is not about to be
 * handled, apart from the one-message watches on idle higher lanes.
 */
export class LaneReceiveLoop<M> {
  readonly #opts: LaneReceiveLoopOptions<M>;
  readonly #scheduler: LaneScheduler;
  readonly #buffers: M[][];
  readonly #failures: number[];
  readonly #abort = new AbortController();
  readonly #receiving = new Set<Promise<void>>();
  readonly #running = new Set<Promise<void>>();
  #closing = false;

  constructor(opts: LaneReceiveLoopOptions<M>) {
    this.#opts = opts;
    this.#scheduler = new LaneScheduler(opts.capacity, opts.receivers.length);
    this.#buffers = opts.receivers.map(() => []);
    this.#failures = opts.receivers.map(() => 0);
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.#running.size;
  }

  start(): void {
    this.#pump();
  }

  /**
   * Stops receiving, gives back the messages received but not started (abandoned at once rather than left to
   * their lock expiry), and waits for the running handlers. The caller aborts those handlers' signals first.
   */
  async close(): Promise<void> {
    this.#closing = true;
    this.#abort.abort();
    await Promise.allSettled([...this.#receiving]);
    const unstarted = this.#buffers.flatMap((buffer, lane) => buffer.splice(0).map((message) => ({ lane, message })));
    await Promise.allSettled(
      unstarted.map(({ lane, message }) => (this.#opts.receivers[lane] as LaneReceiver<M>).abandonMessage(message)),
    );
    await Promise.allSettled([...this.#running]);
  }

  #pump(): void {
    if (this.#closing) return;
    for (const action of this.#scheduler.plan()) {
      switch (action.kind) {
        case 'start':
          this.#start(action.lane);
          break;
        case 'fill':
          this.#receive(action.lane, action.max, this.#opts.fillWaitMs ?? DEFAULT_FILL_WAIT_MS);
          break;
        case 'watch':
          this.#receive(action.lane, 1, this.#opts.watchWaitMs ?? DEFAULT_WATCH_WAIT_MS);
          break;
      }
    }
  }

  #start(lane: number): void {
    const message = (this.#buffers[lane] as M[]).shift() as M;
    const run = this.#opts
      .handle(lane, message)
      .catch((error: unknown) => this.#opts.onError(error, lane, 'handle'))
      .finally(() => {
        this.#running.delete(run);
        this.#scheduler.finished();
        this.#pump();
      });
    this.#running.add(run);
  }

  #receive(lane: number, max: number, maxWaitTimeInMs: number): void {
    const receiver = this.#opts.receivers[lane] as LaneReceiver<M>;
    const signal = this.#abort.signal;
    const task = (async () => {
      let messages: M[] = [];
      try {
        messages = await receiver.receiveMessages(max, { maxWaitTimeInMs, abortSignal: signal });
        this.#failures[lane] = 0;
      } catch (error) {
        if (!this.#closing) {
          const failures = ((this.#failures[lane] as number) += 1);
          this.#opts.onError(error, lane, 'receive');
          await sleep((this.#opts.failureDelayMs ?? defaultFailureDelay)(failures), undefined, { signal }).catch(
            () => undefined,
          );
        }
      }
      (this.#buffers[lane] as M[]).push(...messages);
      this.#scheduler.received(lane, messages.length);
      this.#pump();
    })();
    this.#receiving.add(task);
    void task.finally(() => this.#receiving.delete(task));
  }
}
