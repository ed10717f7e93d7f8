import { AppError, ErrorCode } from '@soc/runtime';
import type { ResolvedBusDeps } from './deps.ts';
import type { DeliveryInfo, EventHandler, RetryPolicy } from './port.ts';
import {
  decideSettlement,
  reportSettlement,
  applySettlement,
  type ReceivedMessage,
  type Settlement,
  type SettleResult,
} from './settlement.ts';

/** A delivery the adapter has locked for this consumer. */
export interface LockedDelivery extends ReceivedMessage {
  /** Epoch ms at which the lock ends and the broker makes the message visible again. */
  readonly lockedUntil: number;
}

/** Options of {@link DeliveryRunner}. */
export interface DeliveryRunnerOptions<D extends LockedDelivery> {
  readonly subscription: string;
  readonly handler: EventHandler;
  readonly policy: RetryPolicy;
  readonly deps: ResolvedBusDeps;
  readonly maxConcurrency: number;
  /** Applies a settlement with the adapter's technology (for SqliteBus: queued into the next group commit). */
  readonly settle: (delivery: D, settlement: Settlement) => Promise<SettleResult>;
  /** Called each time a slot frees, so the adapter can hand over more work. */
  readonly onSlotFree: () => void;
}

/**
 * The consumer half shared by the pull-based adapters (MemoryBus, SqliteBus): it bounds concurrency, runs each
 * delivery through the settlement policy, hands the result to the adapter and reports it. The adapter decides
 * when and how to receive; the runner never polls, so a batch of N messages costs N handler calls and no timers.
 */
export class DeliveryRunner<D extends LockedDelivery> {
  readonly #opts: DeliveryRunnerOptions<D>;
  readonly #inflight = new Set<InFlight<D>>();
  #closing = false;
  #drained: (() => void)[] = [];

  constructor(opts: DeliveryRunnerOptions<D>) {
    if (!Number.isInteger(opts.maxConcurrency) || opts.maxConcurrency < 1) {
      throw new RangeError(`maxConcurrency must be an integer ≥ 1, got ${opts.maxConcurrency}`);
    }
    this.#opts = opts;
  }

  /** The subscription this runner consumes. */
  get subscription(): string {
    return this.#opts.subscription;
  }

  /** How many more deliveries it accepts now (0 once closing). */
  get freeSlots(): number {
    return this.#closing ? 0 : this.#opts.maxConcurrency - this.#inflight.size;
  }

  /** Deliveries being handled or settled. */
  get inFlight(): number {
    return this.#inflight.size;
  }

  get isClosing(): boolean {
    return this.#closing;
  }

  /** Starts handling a locked delivery; the adapter must respect {@link freeSlots}. */
  start(delivery: D): void {
    const job = new InFlight(this.#opts.subscription, delivery);
    this.#inflight.add(job);
    this.#run(job)
      .catch((error: unknown) =>
        this.#opts.deps.logger.error({ err: error, messageId: delivery.messageId }, 'delivery runner fault'),
      )
      .finally(() => {
        this.#inflight.delete(job);
        if (this.#inflight.size === 0 && this.#drained.length > 0) {
          for (const resolve of this.#drained.splice(0)) resolve();
        }
        if (!this.#closing) this.#opts.onSlotFree();
      });
  }

  /** Fires the abort signal of deliveries whose lock ends within `marginMs` of `now` (no lock renewal here). */
  sweep(now: number, marginMs: number): void {
    for (const job of this.#inflight) {
      if (!job.isAborted && job.delivery.lockedUntil - marginMs <= now) {
        job.abort(
          new AppError(ErrorCode.TIMEOUT, `The lock on message ${job.delivery.messageId} is about to expire`, {
            retryable: true,
          }),
        );
      }
    }
  }

  /** Stops accepting deliveries, aborts the in-flight handlers' signals and waits until each has settled. */
  close(): Promise<void> {
    this.#closing = true;
    for (const job of this.#inflight) {
      job.abort(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'The consumer is closing', { retryable: true }));
    }
    if (this.#inflight.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#drained.push(resolve));
  }

  async #run(job: InFlight<D>): Promise<void> {
    const { deps } = this.#opts;
    const startedAt = performance.now();
    const decision = await decideSettlement(this.#opts, job.delivery, job);
    let settlement = decision.settlement;
    if (this.#closing && job.isAborted && settlement.kind === 'retry') {
      // Cut short by our own shutdown: hand it to another consumer now rather than after a backoff.
      settlement = { ...settlement, delayMs: 0 };
    }
    let outcome: SettleResult | { kind: 'failed'; error: unknown };
    try {
      // Outcome events the adapter can never store (too large) turn the settlement into a dead letter now.
      ({ settlement, result: outcome } = await applySettlement(this.#opts, { ...decision, settlement }, job.delivery.deliveryCount, (s) =>
        this.#opts.settle(job.delivery, s),
      ));
    } catch (error) {
      outcome = { kind: 'failed', error };
    }
    reportSettlement(deps, {
      subscription: this.#opts.subscription,
      messageId: job.delivery.messageId,
      event: decision.event,
      deliveryCount: job.delivery.deliveryCount,
      startedAt,
      settlement,
      outcome,
    });
  }
}

/** One delivery being handled; it is also the handler's {@link DeliveryInfo}, with an abort signal made only if read. */
class InFlight<D extends LockedDelivery> implements DeliveryInfo {
  readonly subscription: string;
  readonly delivery: D;
  #controller: AbortController | undefined;
  #abortReason: unknown;
  #aborted = false;

  constructor(subscription: string, delivery: D) {
    this.subscription = subscription;
    this.delivery = delivery;
  }

  get deliveryCount(): number {
    return this.delivery.deliveryCount;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.#aborted) this.#controller.abort(this.#abortReason);
    }
    return this.#controller.signal;
  }

  get isAborted(): boolean {
    return this.#aborted;
  }

  abort(reason: unknown): void {
    if (this.#aborted) return;
    this.#aborted = true;
    this.#abortReason = reason;
    this.#controller?.abort(reason);
  }
}
