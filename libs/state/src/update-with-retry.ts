import { setTimeout as sleepFor } from 'node:timers/promises';
import { AppError, ErrorCode, isAppError } from '@soc/runtime';
import type { StateStore } from './port.ts';

/**
 * Decides the next value of a document from its current one (undefined: absent). Return undefined to leave the
 * document as it is. Called again with fresh state after every lost race, so it must be pure.
 */
export type Updater<T> = (current: T | undefined) => T | undefined;

/** Options of {@link updateWithRetry}. */
export interface UpdateWithRetryOptions {
  /** Attempts in all, the first included. Default 10; then a retryable PRECONDITION_FAILED, so the bus redelivers later. */
  readonly maxAttempts?: number;
  /** TTL of every write; without it the written document never expires. */
  readonly ttlSeconds?: number;
  /** Backoff before the second attempt, doubled per attempt with full jitter. Default 5 ms. */
  readonly initialBackoffMs?: number;
  /** Cap on the backoff. Default 250 ms. */
  readonly maxBackoffMs?: number;
  /** Waits between attempts; tests inject an instant one. */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
}

/**
 * Read-modify-write with optimistic concurrency: reads the document, applies `update`, writes with `ifMatch`
 * (or `ifNoneMatch: '*'` when it was absent), and on a lost race (PRECONDITION_FAILED or CONFLICT) backs off
 * and starts over from a fresh read, so concurrent writers never lose each other's updates. Returns the value
 * the document holds afterwards (as written, or as found when `update` returned undefined).
 */
export async function updateWithRetry<T>(
  store: StateStore,
  collection: string,
  id: string,
  update: Updater<T>,
  options: UpdateWithRetryOptions = {},
): Promise<T | undefined> {
  const maxAttempts = Math.max(1, options.maxAttempts ?? 10);
  const initial = options.initialBackoffMs ?? 5;
  const cap = options.maxBackoffMs ?? 250;
  const sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
  const random = options.random ?? Math.random;
  const ttl = options.ttlSeconds === undefined ? {} : { ttlSeconds: options.ttlSeconds };

  for (let attempt = 1; ; attempt++) {
    const current = await store.get<T>(collection, id);
    const next = update(current?.value);
    if (next === undefined) return current?.value;
    try {
      await store.put(
        collection,
        id,
        next,
        current === undefined ? { ifNoneMatch: '*', ...ttl } : { ifMatch: current.etag, ...ttl },
      );
      return next;
    } catch (error) {
      const isLostRace =
        isAppError(error) && (error.code === ErrorCode.PRECONDITION_FAILED || error.code === ErrorCode.CONFLICT);
      if (!isLostRace) throw error;
      if (attempt >= maxAttempts) {
        // Contention, not a verdict on the data: stay retryable even when the last loss was a create CONFLICT.
        throw new AppError(
          ErrorCode.PRECONDITION_FAILED,
          `${collection}/${id}: still contended after ${maxAttempts} attempts`,
          {
            retryable: true,
            cause: error,
            details: { collection, id, attempts: maxAttempts },
          },
        );
      }
      // Full jitter: contenders that collided once spread out instead of colliding again in lockstep.
      await sleep(Math.floor(random() * Math.min(cap, initial * 2 ** (attempt - 1))));
    }
  }
}
