import {
  DEFAULT_PRIORITY,
  deliverAtOf,
  eventPriority,
  laneOf,
  Priority,
  type SocEvent,
  type SubscriptionSpec,
} from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';
import { resolveBusDeps, type BusDeps, type ResolvedBusDeps } from '../deps.ts';
import { DeliveryRunner, type LockedDelivery } from '../delivery-runner.ts';
import type {
  Bus,
  Consumer,
  DeadLetter,
  DeadLetterAdmin,
  DeadLetterQuery,
  EventHandler,
  RetryPolicy,
  SubscribeOptions,
  SubscriptionDepth,
} from '../port.ts';
import { resolveRetryPolicy } from '../retry-policy.ts';
import { buildDeadLetter, type Settlement, type SettleResult } from '../settlement.ts';
import { assertWithinEventBudget, validateEvents } from '../validation.ts';

/** Options of {@link MemoryBus}. */
export interface MemoryBusOptions {
  readonly retry?: Partial<RetryPolicy>;
  /** How long a published id is remembered so re-publishing it is a no-op. Default 10 minutes, as SqliteBus. */
  readonly duplicateWindowMs?: number;
  /** Default `maxConcurrency` of consumers that do not set one. Default 16. */
  readonly defaultMaxConcurrency?: number;
}

/** Default handler concurrency per consumer, shared by every adapter. */
export const DEFAULT_MAX_CONCURRENCY = 16;

/**
 * Test seam: delivers a raw body to one subscription as a foreign producer could, bypassing publish validation,
 * to exercise the invalid-message path. Reached through `@soc/bus/testing`, not the package index.
 */
export const INJECT_RAW = Symbol('soc.bus.memory.injectRaw');

/** One message on one subscription; `lock` changes on every receive so a stale holder cannot settle it. */
interface Entry {
  readonly messageId: string;
  readonly body: unknown;
  readonly event: SocEvent | undefined;
  /** 0 (critical) … 3 (low), fixed at publish. */
  readonly lane: number;
  deliveryCount: number;
  lock: number;
  lockedUntil: number;
  visibleAt: number;
  /** Waiting for its `deliverat` (not for a retry's backoff). */
  isScheduled: boolean;
}

interface MemoryDelivery extends LockedDelivery {
  readonly entry: Entry;
  readonly lock: number;
}

/**
 * Ids seen within a window, in two generations swapped every half window: an id is remembered for at least half
 * and at most a whole window, in O(1) per check and without an ever-growing set.
 */
class RecentIds {
  #current = new Set<string>();
  #previous = new Set<string>();
  #rotatedAt: number;
  readonly #halfWindowMs: number;

  constructor(windowMs: number, now: number) {
    this.#halfWindowMs = Math.max(1, windowMs / 2);
    this.#rotatedAt = now;
  }

  /** Records the id; false if it was already there. */
  add(id: string, now: number): boolean {
    if (now - this.#rotatedAt >= this.#halfWindowMs) {
      this.#previous = now - this.#rotatedAt >= 2 * this.#halfWindowMs ? new Set() : this.#current;
      this.#current = new Set();
      this.#rotatedAt = now;
    }
    if (this.#current.has(id) || this.#previous.has(id)) return false;
    this.#current.add(id);
    return true;
  }
}

/** Array-backed FIFO without `shift()` costs. */
class Fifo<T> {
  #items: (T | undefined)[] = [];
  #head = 0;
  get size(): number {
    return this.#items.length - this.#head;
  }
  push(item: T): void {
    this.#items.push(item);
  }
  shift(): T | undefined {
    if (this.#head >= this.#items.length) return undefined;
    const item = this.#items[this.#head];
    this.#items[this.#head++] = undefined;
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#head = 0;
    }
    return item;
  }
}

/** Visible entries, one FIFO per lane: shift() serves the highest non-empty lane, each lane in arrival order. */
class Lanes {
  readonly #lanes: Fifo<Entry>[] = Priority.options.map(() => new Fifo<Entry>());
  #size = 0;
  get size(): number {
    return this.#size;
  }
  push(entry: Entry): void {
    (this.#lanes[entry.lane] as Fifo<Entry>).push(entry);
    this.#size++;
  }
  shift(): Entry | undefined {
    if (this.#size === 0) return undefined;
    for (const lane of this.#lanes) {
      const entry = lane.shift();
      if (entry !== undefined) {
        this.#size--;
        return entry;
      }
    }
    return undefined;
  }
}

class MemorySubscription {
  readonly name: string;
  types: ReadonlySet<string>;
  readonly ready = new Lanes();
  /** Retries waiting for their backoff, and scheduled deliveries (`deliverat`) waiting for their time. */
  readonly waiting = new Set<Entry>();
  readonly locked = new Set<Entry>();
  readonly dead = new Map<string, { entry: Entry; deadLetter: DeadLetter }>();
  readonly runners: DeliveryRunner<MemoryDelivery>[] = [];
  nextRunner = 0;

  constructor(spec: SubscriptionSpec) {
    this.name = spec.name;
    this.types = new Set(spec.types);
  }
}

/**
 * The single-process bus for tests, benchmarks and the all-in-one demo. Same semantics as the durable adapters
 * (idempotent publish, priority lanes, peek-lock with expiry, retry with backoff, dead letters, replay) but
 * nothing survives the process. Events travel as objects: validated once at publish, never re-serialised per hop,
 * so handlers must treat them as immutable (several subscriptions receive the same object).
 */
export class MemoryBus implements Bus {
  readonly deadLetters: DeadLetterAdmin;
  readonly #policy: RetryPolicy;
  readonly #deps: ResolvedBusDeps;
  readonly #defaultConcurrency: number;
  readonly #subs = new Map<string, MemorySubscription>();
  #byType = new Map<string, MemorySubscription[]>();
  /** The idempotency record. */
  readonly #published: RecentIds;
  /**
   * Ids of scheduled events not yet due, with how many deliveries still wait: they stay deduplicated until then,
   * however far past the duplicate window their time is (as SqliteBus keeps a message while it has deliveries).
   */
  readonly #scheduled = new Map<string, number>();
  readonly #dirty = new Set<MemorySubscription>();
  #pumpScheduled = false;
  #retryTimer: NodeJS.Timeout | undefined;
  #retryTimerAt = Infinity;
  #lockTimer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: MemoryBusOptions = {}, deps: BusDeps = {}) {
    this.#policy = resolveRetryPolicy(options.retry);
    this.#deps = resolveBusDeps(deps);
    this.#defaultConcurrency = options.defaultMaxConcurrency ?? DEFAULT_MAX_CONCURRENCY;
    this.#published = new RecentIds(options.duplicateWindowMs ?? 10 * 60_000, this.#now());
    this.deadLetters = {
      list: (query) => Promise.resolve(this.#listDead(query)),
      get: (id) => Promise.resolve(this.#findDead(id)?.deadLetter),
      replay: (id) => Promise.resolve(this.#replay(id)),
      replayAll: (query) => Promise.resolve(this.#listDead(query).filter((d) => this.#replay(d.id)).length),
    };
  }

  ensureTopology(subscriptions: readonly SubscriptionSpec[]): Promise<void> {
    for (const spec of subscriptions) {
      const existing = this.#subs.get(spec.name);
      if (existing) existing.types = new Set(spec.types);
      else this.#subs.set(spec.name, new MemorySubscription(spec));
    }
    const byType = new Map<string, MemorySubscription[]>();
    for (const sub of this.#subs.values()) {
      for (const type of sub.types) byType.set(type, [...(byType.get(type) ?? []), sub]);
    }
    this.#byType = byType;
    return Promise.resolve();
  }

  publish(events: readonly SocEvent[]): Promise<void> {
    try {
      this.#assertOpen();
      // Validated first, so an event contracts already validated keeps its identity; the trace stamp is ours.
      const stamped = validateEvents(events, this.#now()).map((e) => this.#deps.observer.stamp(e));
      assertFitBudget(stamped);
      this.#route(stamped);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error as Error);
    }
  }

  subscribe(options: SubscribeOptions, handler: EventHandler): Consumer {
    this.#assertOpen();
    const sub = this.#subs.get(options.subscription);
    if (!sub) {
      throw new AppError(
        ErrorCode.CONFIGURATION_INVALID,
        `Unknown subscription "${options.subscription}": declare it with ensureTopology first`,
        {
          retryable: false,
        },
      );
    }
    const runner: DeliveryRunner<MemoryDelivery> = new DeliveryRunner<MemoryDelivery>({
      subscription: sub.name,
      handler,
      policy: this.#policy,
      deps: this.#deps,
      maxConcurrency: options.maxConcurrency ?? this.#defaultConcurrency,
      settle: (delivery, settlement) => Promise.resolve(this.#settle(sub, delivery, settlement)),
      onSlotFree: () => this.#markDirty(sub),
    });
    sub.runners.push(runner);
    this.#markDirty(sub);
    let closing: Promise<void> | undefined;
    return {
      close: () => {
        closing ??= runner.close().then(() => {
          sub.runners.splice(sub.runners.indexOf(runner), 1);
        });
        return closing;
      },
    };
  }

  depth(): Promise<readonly SubscriptionDepth[]> {
    return Promise.resolve(
      [...this.#subs.values()].map((s) => ({
        subscription: s.name,
        active: s.ready.size + s.waiting.size + s.locked.size - [...s.waiting].filter((e) => e.isScheduled).length,
        deadLettered: s.dead.size,
        scheduled: [...s.waiting].filter((e) => e.isScheduled).length,
      })),
    );
  }

  probe(): Promise<void> {
    return new Promise((resolve) => {
      this.#assertOpen();
      resolve();
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await Promise.all([...this.#subs.values()].flatMap((s) => s.runners.map((r) => r.close())));
    clearTimeout(this.#retryTimer);
    clearInterval(this.#lockTimer);
  }

  /** See {@link INJECT_RAW}. */
  [INJECT_RAW](subscription: string, body: unknown, messageId: string): void {
    const sub = this.#subs.get(subscription);
    if (!sub) throw new Error(`Unknown subscription ${subscription}`);
    // A foreign body has no trustworthy priority: it waits in the default lane, as on the other adapters.
    sub.ready.push(newEntry(messageId, body, undefined, this.#now(), laneOf(DEFAULT_PRIORITY)));
    this.#markDirty(sub);
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError(ErrorCode.PRECONDITION_FAILED, 'The bus is closed', { retryable: false });
  }

  #now(): number {
    return this.#deps.clock.now().getTime();
  }

  /**
   * Fans validated events out to the subscriptions of their type; a known id is dropped (idempotent publish). A
   * scheduled event (`deliverat` ahead) waits, like a retry in backoff, until its time.
   */
  #route(events: readonly SocEvent[]): void {
    const now = this.#now();
    for (const event of events) {
      if (this.#scheduled.has(event.id) || !this.#published.add(event.id, now)) continue;
      const subs = this.#byType.get(event.type);
      if (subs === undefined) continue;
      const lane = laneOf(eventPriority(event));
      const at = deliverAtOf(event);
      if (at !== undefined && at > now) {
        this.#scheduled.set(event.id, subs.length);
        for (const sub of subs) {
          const entry = newEntry(event.id, event, event, at, lane);
          entry.isScheduled = true;
          sub.waiting.add(entry);
        }
        this.#armRetryTimer(at);
        continue;
      }
      for (const sub of subs) {
        sub.ready.push(newEntry(event.id, event, event, now, lane));
        this.#markDirty(sub);
      }
    }
  }

  /** A scheduled delivery became due: once all of an event's are, its id is left to the duplicate window. */
  #released(entry: Entry): void {
    if (!entry.isScheduled) return;
    entry.isScheduled = false;
    const left = (this.#scheduled.get(entry.messageId) ?? 1) - 1;
    if (left > 0) this.#scheduled.set(entry.messageId, left);
    else {
      this.#scheduled.delete(entry.messageId);
      // The duplicate window starts again at delivery, so a re-publish right after it is still dropped.
      this.#published.add(entry.messageId, this.#now());
    }
  }

  #markDirty(sub: MemorySubscription): void {
    if (sub.runners.length === 0 || this.#closed) return;
    this.#dirty.add(sub);
    if (this.#pumpScheduled) return;
    this.#pumpScheduled = true;
    // One macrotask per burst, never per message: handlers are not re-entered from publish(), and timers and
    // I/O still get their turn under a sustained in-memory load.
    setImmediate(() => this.#pump());
  }

  #pump(): void {
    this.#pumpScheduled = false;
    const subs = [...this.#dirty];
    this.#dirty.clear();
    const now = this.#now();
    const lockedUntil = now + this.#policy.lockDurationMs;
    for (const sub of subs) {
      const runners = sub.runners;
      let idle = 0;
      while (sub.ready.size > 0 && idle < runners.length) {
        // Round-robin over the subscription's consumers, as competing consumers on a broker would get.
        const runner = runners[sub.nextRunner++ % runners.length];
        if (runner === undefined || runner.freeSlots === 0) {
          idle++;
          continue;
        }
        idle = 0;
        const entry = sub.ready.shift() as Entry;
        entry.deliveryCount++;
        entry.lock++;
        entry.lockedUntil = lockedUntil;
        sub.locked.add(entry);
        runner.start({
          entry,
          lock: entry.lock,
          messageId: entry.messageId,
          body: entry.body,
          event: entry.event,
          deliveryCount: entry.deliveryCount,
          lockedUntil,
        });
      }
    }
    this.#armLockTimer();
  }

  #settle(sub: MemorySubscription, d: MemoryDelivery, s: Settlement): SettleResult {
    const entry = d.entry;
    if (entry.lock !== d.lock || !sub.locked.has(entry)) return { kind: 'lock-lost' };
    // Before anything changes: a settlement whose events cannot be stored leaves the delivery locked, as SqliteBus does.
    if (s.kind !== 'retry') assertFitBudget(s.emit);
    sub.locked.delete(entry);
    entry.lock++;
    switch (s.kind) {
      case 'complete':
        this.#route(s.emit);
        return { kind: 'settled' };
      case 'retry': {
        entry.visibleAt = this.#now() + s.delayMs;
        if (s.delayMs <= 0) {
          sub.ready.push(entry);
          this.#markDirty(sub);
        } else {
          sub.waiting.add(entry);
          this.#armRetryTimer(entry.visibleAt);
        }
        return { kind: 'settled' };
      }
      case 'dead-letter': {
        const deadLetter = buildDeadLetter({
          id: deadLetterId(sub.name, entry.messageId),
          subscription: sub.name,
          messageId: entry.messageId,
          body: entry.body,
          event: entry.event,
          reason: s.reason,
          description: s.description,
          deliveryCount: entry.deliveryCount,
          deadLetteredAt: this.#deps.clock.now().toISOString(),
        });
        sub.dead.set(deadLetter.id, { entry, deadLetter });
        this.#route(s.emit);
        return { kind: 'settled', deadLetter };
      }
      default:
        return assertNever(s);
    }
  }

  /** One timer for all pending retries, re-armed for the earliest: no per-message timers. */
  #armRetryTimer(at: number): void {
    if (this.#closed || at >= this.#retryTimerAt) return;
    clearTimeout(this.#retryTimer);
    this.#retryTimerAt = at;
    this.#retryTimer = setTimeout(() => this.#releaseDueRetries(), Math.max(0, at - this.#now()));
  }

  #releaseDueRetries(): void {
    this.#retryTimerAt = Infinity;
    const now = this.#now();
    let next = Infinity;
    for (const sub of this.#subs.values()) {
      for (const entry of sub.waiting) {
        if (entry.visibleAt <= now) {
          sub.waiting.delete(entry);
          this.#released(entry);
          sub.ready.push(entry);
          this.#markDirty(sub);
        } else if (entry.visibleAt < next) next = entry.visibleAt;
      }
    }
    if (next < Infinity) this.#armRetryTimer(next);
  }

  /** While anything is locked, one interval expires overdue locks and warns handlers shortly before. */
  #armLockTimer(): void {
    if (this.#lockTimer !== undefined || this.#closed) return;
    const period = Math.max(5, Math.min(1_000, Math.floor(this.#policy.lockDurationMs / 4)));
    this.#lockTimer = setInterval(() => {
      const now = this.#now();
      let anyLocked = false;
      for (const sub of this.#subs.values()) {
        for (const runner of sub.runners) runner.sweep(now, period);
        for (const entry of sub.locked) {
          if (entry.lockedUntil > now) {
            anyLocked = true;
            continue;
          }
          // The lock expired unsettled: the message is visible again; bumping `lock` voids the old holder.
          sub.locked.delete(entry);
          entry.lock++;
          sub.ready.push(entry);
          this.#markDirty(sub);
        }
      }
      if (!anyLocked) {
        clearInterval(this.#lockTimer);
        this.#lockTimer = undefined;
      }
    }, period);
    this.#lockTimer.unref();
  }

  #listDead(query: DeadLetterQuery = {}): DeadLetter[] {
    const out: DeadLetter[] = [];
    const limit = query.limit ?? 100;
    for (const sub of this.#subs.values()) {
      if (query.subscription !== undefined && sub.name !== query.subscription) continue;
      for (const { deadLetter } of sub.dead.values()) {
        if (out.length >= limit) return out;
        out.push(deadLetter);
      }
    }
    return out;
  }

  #findDead(id: string): { sub: MemorySubscription; entry: Entry; deadLetter: DeadLetter } | undefined {
    const subName = id.slice(0, id.indexOf('/'));
    const sub = this.#subs.get(subName);
    const found = sub?.dead.get(id);
    return sub && found ? { sub, ...found } : undefined;
  }

  #replay(id: string): boolean {
    const found = this.#findDead(id);
    if (!found) return false;
    found.sub.dead.delete(id);
    // A fresh delivery count: the operator fixed the cause, so the message gets its full allowance again.
    found.sub.ready.push(
      newEntry(found.entry.messageId, found.entry.body, found.entry.event, this.#now(), found.entry.lane),
    );
    this.#markDirty(found.sub);
    return true;
  }
}

function newEntry(messageId: string, body: unknown, event: SocEvent | undefined, now: number, lane: number): Entry {
  return { messageId, body, event, lane, deliveryCount: 0, lock: 0, lockedUntil: 0, visibleAt: now, isScheduled: false };
}

/** Dead-letter ids are `<subscription>/<messageId>`: unique per subscription and message, and readable. */
export function deadLetterId(subscription: string, messageId: string): string {
  return `${subscription}/${messageId}`;
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

/** The bus budget, checked on the JSON each event would travel as (MemoryBus keeps objects, so it serialises to measure). */
function assertFitBudget(events: readonly SocEvent[]): void {
  for (const event of events) assertWithinEventBudget(event, JSON.stringify(event));
}
