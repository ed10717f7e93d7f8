/**
 * What a lane-aware receive loop should do next. Lanes are indexes, 0 the highest.
 *
 * - `start`: hand one message already received on this lane to a handler (a slot is free).
 * - `fill`: receive up to `max` messages from this lane now, waiting briefly: the lane is believed non-empty.
 * - `watch`: wait (long poll) for one message on this lane: it was empty, and this is how an arrival is noticed.
 */
export type LaneAction =
  | { readonly kind: 'start'; readonly lane: number }
  | { readonly kind: 'fill'; readonly lane: number; readonly max: number }
  | { readonly kind: 'watch'; readonly lane: number };

interface LaneState {
  /** Believed non-empty: it is filled when no higher lane is. Every lane starts hot (unknown = worth a look). */
  hot: boolean;
  /** Received, not yet started. */
  buffered: number;
  /** The receive in progress on this lane (brokers allow one per receiver), if any. */
  receiving: { readonly kind: 'fill' | 'watch'; readonly max: number } | undefined;
}

/**
 * The pure scheduling core of a consumer that reads one broker entity per lane (Service Bus: one subscription per
 * lane). It holds no I/O: the receive loop reports what happened (`received`, `finished`) and asks `plan()` what to
 * do, so the policy is unit-tested without a broker.
 *
 * The policy, for `capacity` concurrent handlers:
 * 1. Messages already received are started first, highest lane first, whenever a slot is free. They are locked on
 *    the broker, so they must never wait for long.
 * 2. Free slots go to the highest *hot* lane as one `fill` of exactly that many messages (counting what is already
 *    buffered or being received), so a lower lane is only read once every higher lane came up short. A fill that
 *    returns fewer messages than asked marks the lane cold.
 * 3. Every cold lane *above* the lane being filled keeps one `watch` open, even when all slots are busy. An arrival
 *    there is buffered and, by rule 1, takes the next free slot: a flood on a lower lane cannot delay a critical
 *    message by more than the time it takes one handler to finish, and the watch turns the lane hot so it gets
 *    every following slot. Lanes below the filled one are not watched, so their messages are not received (and
 *    locked) while they would only wait.
 *
 * Bounds: at most `capacity` handlers run; at most `capacity` plus one per lane messages are held (watches may
 * deliver while the slots are full). A watch opened while no lane was hot may deliver after a higher lane turned
 * hot: that one message is started ahead of the higher lane (rule 1), an inversion of at most one message per lane.
 */
export class LaneScheduler {
  readonly #capacity: number;
  readonly #lanes: LaneState[];
  #inFlight = 0;

  constructor(capacity: number, lanes: number) {
    if (!Number.isInteger(capacity) || capacity < 1) {
      throw new RangeError(`capacity must be an integer ≥ 1, got ${capacity}`);
    }
    if (!Number.isInteger(lanes) || lanes < 1) throw new RangeError(`lanes must be an integer ≥ 1, got ${lanes}`);
    this.#capacity = capacity;
    this.#lanes = Array.from({ length: lanes }, () => ({ hot: true, buffered: 0, receiving: undefined }));
  }

  /** Handlers running now. */
  get inFlight(): number {
    return this.#inFlight;
  }

  /** Messages received and not yet started, per lane. */
  get buffered(): readonly number[] {
    return this.#lanes.map((l) => l.buffered);
  }

  /** The receive `plan()` issued on `lane` returned `count` messages (0 on a timeout or a failure). */
  received(lane: number, count: number): void {
    const state = this.#lane(lane);
    const receiving = state.receiving;
    if (receiving === undefined) throw new Error(`No receive is in progress on lane ${lane}`);
    state.receiving = undefined;
    state.buffered += count;
    // A full fill suggests more are waiting; a short one, or an idle watch, that the lane is drained.
    state.hot = receiving.kind === 'fill' ? count >= receiving.max : count > 0;
  }

  /** A handler started by a `start` action has settled its message: its slot is free. */
  finished(): void {
    if (this.#inFlight === 0) throw new Error('finished() without a started handler');
    this.#inFlight--;
  }

  /** The actions to take now, in order; the scheduler counts them as done (started, or receive in progress). */
  plan(): LaneAction[] {
    const actions: LaneAction[] = [];
    for (let lane = 0; lane < this.#lanes.length; lane++) {
      const state = this.#lanes[lane] as LaneState;
      while (state.buffered > 0 && this.#inFlight < this.#capacity) {
        state.buffered--;
        this.#inFlight++;
        actions.push({ kind: 'start', lane });
      }
    }
    const filled = this.#lanes.findIndex((l) => l.hot);
    const top = filled === -1 ? this.#lanes.length : filled;
    for (let lane = 0; lane < top; lane++) {
      const state = this.#lanes[lane] as LaneState;
      if (state.receiving === undefined) {
        state.receiving = { kind: 'watch', max: 1 };
        actions.push({ kind: 'watch', lane });
      }
    }
    const target = this.#lanes[top];
    if (target !== undefined && target.receiving === undefined) {
      const credit = this.#capacity - this.#inFlight - this.#held();
      if (credit > 0) {
        target.receiving = { kind: 'fill', max: credit };
        actions.push({ kind: 'fill', lane: top, max: credit });
      }
    }
    return actions;
  }

  /** Messages buffered, plus the credit of fills in progress (watches are the allowed excess, not counted). */
  #held(): number {
    let held = 0;
    for (const l of this.#lanes) held += l.buffered + (l.receiving?.kind === 'fill' ? l.receiving.max : 0);
    return held;
  }

  #lane(lane: number): LaneState {
    const state = this.#lanes[lane];
    if (state === undefined) throw new RangeError(`No lane ${lane}`);
    return state;
  }
}
