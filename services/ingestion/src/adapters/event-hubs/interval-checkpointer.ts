import type { Clock } from '@soc/runtime';

/** When a partition's checkpoint is written: after `intervalMs` since the last one, or after `maxEvents` events. */
export interface CheckpointPolicy {
  intervalMs: number;
  maxEvents: number;
}

export interface IntervalCheckpointerOptions<E> {
  policy: CheckpointPolicy;
  clock: Clock;
  /** Stores the checkpoint of `event` (the SDK's `PartitionContext.updateCheckpoint`). */
  write: (event: E) => Promise<void>;
}

/**
 * Checkpoints one partition on an interval rather than per event: a checkpoint is a blob write, and the events
 * after it are re-delivered on restart anyway (ingestion is idempotent), so writing one per event buys nothing.
 * It only ever checkpoints an event it was told is fully ingested, so a checkpoint never passes an event
 * whose ingest failed. Writes are serialised, so checkpoints never go backwards.
 */
export class IntervalCheckpointer<E> {
  readonly #policy: CheckpointPolicy;
  readonly #clock: Clock;
  readonly #write: (event: E) => Promise<void>;
  #pending: E | undefined;
  #pendingCount = 0;
  #lastWriteAt: number;
  #writes: Promise<unknown> = Promise.resolve();

  constructor(options: IntervalCheckpointerOptions<E>) {
    this.#policy = options.policy;
    this.#clock = options.clock;
    this.#write = options.write;
    this.#lastWriteAt = this.#now();
  }

  /** The newest fully ingested event not yet checkpointed. */
  get pending(): E | undefined {
    return this.#pending;
  }

  /** Records that `event` and every event before it in the partition are fully ingested. */
  ingested(event: E): void {
    this.#pending = event;
    this.#pendingCount += 1;
  }

  /**
   * Writes the pending checkpoint when one is due: `intervalMs` since the last write, or `maxEvents` recorded.
   * Called after each batch, including the empty batches an idle partition gets. Resolves true when it wrote;
   * rejects when the write failed (the event stays pending and is retried when the next checkpoint is due).
   */
  checkpointIfDue(): Promise<boolean> {
    if (this.#pending === undefined) return Promise.resolve(false);
    const due =
      this.#pendingCount >= this.#policy.maxEvents || this.#now() - this.#lastWriteAt >= this.#policy.intervalMs;
    return due ? this.#writePending() : Promise.resolve(false);
  }

  /** Writes the pending checkpoint now, whatever the timing: on close and when the partition is lost. */
  flush(): Promise<boolean> {
    return this.#pending !== undefined ? this.#writePending() : Promise.resolve(false);
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  #writePending(): Promise<boolean> {
    const event = this.#pending as E;
    this.#pending = undefined;
    this.#pendingCount = 0;
    // Timed from the attempt, so a failing store is retried once per interval rather than on every event.
    this.#lastWriteAt = this.#now();
    const attempt = this.#writes.then(() => this.#write(event));
    this.#writes = attempt.catch(() => undefined);
    return attempt.then(
      () => true,
      (err: unknown) => {
        // Keep it for the next try unless a newer event is already pending (that one's checkpoint covers it);
        // the count starts afresh, so the retry waits for the next interval or maxEvents more events.
        this.#pending ??= event;
        throw err;
      },
    );
  }
}
