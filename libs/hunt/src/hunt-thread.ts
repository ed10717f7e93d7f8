import { Worker } from 'node:worker_threads';
import type { Alert } from '@soc/contracts';
import { type KqlPolicy, type KqlVerdict, defaultKqlPolicy } from '@soc/kql';
import { AppError, ErrorCode } from '@soc/runtime';
import { type GroundKqlOptions, type GroundedKql, groundKqlVerdict } from './ground-kql.ts';
import type { HuntQueries } from './hunt-queries.ts';
import type { HuntThreadOptions, HuntThreadReply, HuntThreadRequest } from './hunt-thread-protocol.ts';

export type { HuntThreadOptions } from './hunt-thread-protocol.ts';

/** Bounds of a {@link HuntThread}. */
export interface HuntThreadConfig {
  readonly policy?: KqlPolicy;
  /** Requests queued or running at once; more are refused with RATE_LIMITED (retryable). Default 64. */
  readonly maxPending?: number;
  /** How long one request may run before the worker is stopped, the request fails (TIMEOUT) and the rest move to a new worker. Default 15 s. */
  readonly requestTimeoutMs?: number;
  /** How long the worker may take to load Kusto.Language and the schemas. Default 60 s. */
  readonly startTimeoutMs?: number;
  /** The worker's heap: a query that needs more ends the worker, never the process. Default 256 MB (the guard holds ~90–130 MB). */
  readonly maxHeapMb?: number;
}

interface Pending {
  readonly request: HuntThreadRequest;
  resolve(value: unknown): void;
  reject(error: AppError): void;
}

const WORKER_URL = new URL('./hunt-thread-worker.ts', import.meta.url);

/**
 * The KQL guard and the hunt-query builder on a worker thread. A guard check parses and binds with Kusto.Language
 * (~20 ms a query, ~0.4 s for a case's hunt list, ~1 s to load): on the event loop that would stall every request
 * and every bus delivery of the process meanwhile. The worker starts on the first request and answers in order;
 * the queue is bounded, a request that runs too long is cut off by restarting the worker, and a worker that dies
 * (out of memory, a crash in the generated parser) fails only the requests it held.
 */
export class HuntThread {
  readonly #policy: KqlPolicy;
  readonly #maxPending: number;
  readonly #requestTimeoutMs: number;
  readonly #startTimeoutMs: number;
  readonly #maxHeapMb: number;
  /** In send order, which is the order the worker answers in: the first entry is the one running. */
  readonly #pending = new Map<number, Pending>();
  #worker: Worker | undefined;
  #isReady = false;
  #timer: NodeJS.Timeout | undefined;
  #nextId = 1;
  #isClosed = false;

  constructor(config: HuntThreadConfig = {}) {
    this.#policy = config.policy ?? defaultKqlPolicy;
    this.#maxPending = config.maxPending ?? 64;
    this.#requestTimeoutMs = config.requestTimeoutMs ?? 15_000;
    this.#startTimeoutMs = config.startTimeoutMs ?? 60_000;
    this.#maxHeapMb = config.maxHeapMb ?? 256;
  }

  /** The guard's verdict on one query (see `createKqlGuard`). */
  check(query: string): Promise<KqlVerdict> {
    return this.#send({ kind: 'check', id: 0, query: typeof query === 'string' ? query : '' }) as Promise<KqlVerdict>;
  }

  /** `groundKqlCandidate` with the check off the event loop. */
  async groundKqlCandidate(candidate: string, options: GroundKqlOptions = {}): Promise<GroundedKql> {
    return groundKqlVerdict(candidate, await this.check(candidate), options);
  }

  /** `huntQueriesFor` (default templates and SPL policy) with every check off the event loop. */
  huntQueriesFor(alert: Alert, options: HuntThreadOptions = {}): Promise<HuntQueries> {
    return this.#send({ kind: 'hunts', id: 0, alert, options }) as Promise<HuntQueries>;
  }

  /** Starts the worker now rather than on the first request, so the first one does not wait for Kusto.Language to load. */
  warmUp(): void {
    if (!this.#isClosed && this.#worker === undefined) this.#spawn().unref();
  }

  /** Fails what is pending and stops the worker. */
  async close(): Promise<void> {
    this.#isClosed = true;
    this.#failAll(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'The hunt worker was closed (the service is shutting down)', { retryable: true }));
    await this.#stop();
  }

  #send(request: HuntThreadRequest): Promise<unknown> {
    if (this.#isClosed) return Promise.reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'The hunt worker is closed', { retryable: true }));
    if (this.#pending.size >= this.#maxPending) {
      const message = `The KQL guard has ${this.#pending.size} queries queued (the limit); retry in a few seconds`;
      return Promise.reject(new AppError(ErrorCode.RATE_LIMITED, message, { retryable: true }));
    }
    const id = this.#nextId++;
    const numbered = { ...request, id };
    return new Promise((resolve, reject) => {
      const wasIdle = this.#pending.size === 0;
      let worker: Worker;
      try {
        worker = this.#worker ?? this.#spawn();
        worker.postMessage(numbered);
      } catch (error) {
        // A worker that cannot start, or a request that cannot be cloned: this request fails, nothing is left queued.
        const message = `The KQL guard's worker could not take the request (${error instanceof Error ? error.message : String(error)})`;
        reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, message, { retryable: false, cause: error }));
        return;
      }
      this.#pending.set(id, { request: numbered, resolve, reject });
      if (wasIdle) {
        worker.ref(); // a pending answer must keep the process alive (a CLI awaiting it)
        if (this.#isReady) this.#arm(this.#requestTimeoutMs);
      }
    });
  }

  #spawn(): Worker {
    const worker = new Worker(WORKER_URL, {
      workerData: { policy: this.#policy },
      resourceLimits: { maxOldGenerationSizeMb: this.#maxHeapMb },
    });
    this.#worker = worker;
    this.#isReady = false;
    let failure: Error | undefined;
    worker.on('message', (reply: HuntThreadReply) => {
      if (worker === this.#worker) this.#onReply(reply);
    });
    worker.on('error', (error) => {
      failure = error;
    });
    worker.on('exit', (code) => {
      if (worker !== this.#worker) return; // stopped on purpose
      this.#worker = undefined;
      this.#isReady = false;
      this.#disarm();
      const why = failure ? `${failure.message}` : `exit code ${code}`;
      this.#failAll(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `The KQL guard's worker stopped (${why}); retry, and report it if it persists`, { retryable: true, cause: failure }));
    });
    this.#arm(this.#startTimeoutMs);
    return worker;
  }

  #onReply(reply: HuntThreadReply): void {
    if (reply.kind === 'ready') {
      this.#isReady = true;
      if (this.#pending.size > 0) this.#arm(this.#requestTimeoutMs);
      else this.#disarm();
      return;
    }
    const pending = this.#pending.get(reply.id);
    if (pending === undefined) return;
    this.#pending.delete(reply.id);
    if (reply.kind === 'result') pending.resolve(reply.result);
    else pending.reject(new AppError(reply.error.code, reply.error.message, { retryable: reply.error.retryable }));
    if (this.#pending.size > 0) this.#arm(this.#requestTimeoutMs);
    else {
      this.#disarm();
      this.#worker?.unref(); // idle: a waiting worker must not hold the process open
    }
  }

  /** The watchdog: the worker must be ready, or answer the request it runs, within `ms`. */
  #arm(ms: number): void {
    this.#disarm();
    this.#timer = setTimeout(() => this.#onTimeout(), ms);
    this.#timer.unref();
  }

  #disarm(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #onTimeout(): void {
    if (!this.#isReady) {
      void this.#stop();
      this.#failAll(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `The KQL guard's worker did not start within ${this.#startTimeoutMs} ms; retry`, { retryable: true }));
      return;
    }
    // The running request is the oldest; the worker is synchronous, so only ending it stops the request.
    const [runningId, running] = this.#pending.entries().next().value ?? [];
    void this.#stop();
    if (runningId !== undefined && running !== undefined) {
      this.#pending.delete(runningId);
      const message = `The KQL guard did not finish within ${this.#requestTimeoutMs} ms; simplify the query`;
      running.reject(new AppError(ErrorCode.TIMEOUT, message, { retryable: false }));
    }
    // The others did not run yet: they move to a fresh worker, in order.
    if (this.#pending.size === 0) return;
    const worker = this.#spawn();
    for (const { request } of this.#pending.values()) worker.postMessage(request);
  }

  async #stop(): Promise<void> {
    const worker = this.#worker;
    this.#worker = undefined;
    this.#isReady = false;
    this.#disarm();
    if (worker !== undefined) await worker.terminate();
  }

  #failAll(error: AppError): void {
    const pending = [...this.#pending.values()];
    this.#pending.clear();
    for (const p of pending) p.reject(error);
  }
}

/** One use of a shared {@link HuntThread}: everything but `close`, which ends this use only. */
export interface HuntThreadLease extends Pick<HuntThread, 'check' | 'groundKqlCandidate' | 'huntQueriesFor' | 'warmUp'> {
  close(): Promise<void>;
}

const shared = new Map<string, { thread: HuntThread; users: number }>();

/**
 * A {@link HuntThread} shared by the services of one process that use the same policy (the all-in-one runs api and
 * triage together: one worker and one copy of Kusto.Language, ~100 MB, instead of two). The worker stops when the
 * last lease is closed.
 */
export function sharedHuntThread(policy: KqlPolicy = defaultKqlPolicy): HuntThreadLease {
  const key = JSON.stringify(policy);
  const entry = shared.get(key) ?? { thread: new HuntThread({ policy }), users: 0 };
  shared.set(key, entry);
  entry.users++;
  const { thread } = entry;
  let closed = false;
  return {
    check: (query) => thread.check(query),
    groundKqlCandidate: (candidate, options) => thread.groundKqlCandidate(candidate, options),
    huntQueriesFor: (alert, options) => thread.huntQueriesFor(alert, options),
    warmUp: () => thread.warmUp(),
    async close() {
      if (closed) return;
      closed = true;
      if (--entry.users > 0) return;
      shared.delete(key);
      await thread.close();
    },
  };
}
