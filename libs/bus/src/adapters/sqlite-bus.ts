import { randomUUID } from 'node:crypto';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { deliverAtOf, eventPriority, laneOf, type SocEvent, type SubscriptionSpec } from '@soc/contracts';
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
import { DEFAULT_MAX_CONCURRENCY, deadLetterId } from './memory-bus.ts';
import { registerBusInstance, unregisterBusInstance } from './sqlite-instances.ts';
import { DeliveryState, HAS_READY_SQL, LOCK_BATCH_SQL, prepareSqliteBusDatabase } from './sqlite-schema.ts';
import { startCheckpointer } from './sqlite-checkpointer.ts';
import { translateSqliteError } from './sqlite-errors.ts';

/** Options of {@link SqliteBus}. */
export interface SqliteBusOptions {
  /** The bus file; every process that shares it shares the bus. */
  readonly path: string;
  readonly retry?: Partial<RetryPolicy>;
  /** Default `maxConcurrency` of consumers that do not set one. Default 16. */
  readonly defaultMaxConcurrency?: number;
  /** How often idle consumers look for messages published by other processes (or due retries). Default 50 ms. */
  readonly pollIntervalMs?: number;
  /** How long to wait for another process's write lock before failing. Default 5 s. */
  readonly busyTimeoutMs?: number;
  /**
   * How long a fully consumed message is remembered, so re-publishing its id stays a no-op (the duplicate-detection
   * window; Service Bus's default is also 10 minutes). Disk use is about rate × window × body size. Default 10 min.
   */
  readonly retentionMs?: number;
  /** `NORMAL` (default) survives process crashes; `FULL` also survives power loss, at a throughput cost. */
  readonly synchronous?: 'NORMAL' | 'FULL';
  /** Events validated by this process kept in memory so an in-process hop skips a second parse. Default 16,384. */
  readonly validatedCacheSize?: number;
}

const DEFAULTS = {
  pollIntervalMs: 50,
  busyTimeoutMs: 5_000,
  retentionMs: 10 * 60_000,
  synchronous: 'NORMAL',
  validatedCacheSize: 16_384,
  maintenanceIntervalMs: 10_000,
  purgeBatch: 10_000,
} as const;

/**
 * The bus connection's own automatic checkpoint: only a safety net (128 MiB of WAL) for when the checkpointer
 * thread falls behind or is not running (`:memory:`).
 */
const WAL_SAFETY_AUTOCHECKPOINT_PAGES = 32_768;
const CHECKPOINT_INTERVAL_MS = 250;

/** An event ready to be written: serialised once, outside the write transaction. */
interface PreparedEvent {
  readonly id: string;
  readonly type: string;
  readonly correlationid: string;
  /** 0 (critical) … 3 (low): every delivery of the event is stored in this lane. */
  readonly lane: number;
  /** Its `deliverat` (epoch ms): no delivery is visible before it. Undefined: at once. */
  readonly deliverAt: number | undefined;
  readonly body: string;
  readonly event: SocEvent;
}

interface SqliteDelivery extends LockedDelivery {
  readonly rowId: number;
  readonly lockToken: string;
  readonly subscription: string;
}

type Op =
  | {
      readonly kind: 'publish';
      readonly rows: readonly PreparedEvent[];
      readonly resolve: () => void;
      readonly reject: (error: unknown) => void;
    }
  | {
      readonly kind: 'settle';
      readonly delivery: SqliteDelivery;
      readonly settlement: Settlement;
      readonly rows: readonly PreparedEvent[];
      readonly resolve: (result: SettleResult) => void;
      readonly reject: (error: unknown) => void;
    };

interface ConsumerState {
  readonly runner: DeliveryRunner<SqliteDelivery>;
  readonly subscription: string;
  /** There may be receivable deliveries: set by local publishes, polls and replays; cleared by a short receive. */
  dirty: boolean;
}

interface LockedRow {
  id: number;
  message_id: string;
  delivery_count: number;
  lane: number;
}

interface DeadRow {
  subscription: string;
  message_id: string;
  delivery_count: number;
  dl_reason: string;
  dl_description: string;
  dl_at: number;
  body: string;
}

/**
 * The durable embedded bus on `node:sqlite`: a topic with subscriptions in one file, safe to share between
 * processes. Peek-lock receive in priority-lane order, lock expiry, retry with backoff, dead letters, replay — the
 * Service Bus model.
 *
 * Writes go through a group-commit queue: every publish, completion (with the events it emits), abandon,
 * dead letter and receive requested during one event-loop turn is applied in one `BEGIN IMMEDIATE`
 * transaction. A handler's outcome events and the completion of its input therefore commit together, and a
 * message published in-process is locked for its local consumer in the same transaction (no poll latency).
 */
export class SqliteBus implements Bus {
  readonly deadLetters: DeadLetterAdmin;
  readonly #db: DatabaseSync;
  readonly #st: Statements;
  readonly #policy: RetryPolicy;
  readonly #deps: ResolvedBusDeps;
  readonly #opts: Required<Omit<SqliteBusOptions, 'retry'>>;
  readonly #instanceId = randomUUID();
  #flushSeq = 0;
  #ops: Op[] = [];
  #flushScheduled = false;
  #retryFlushTimer: NodeJS.Timeout | undefined;
  readonly #consumers: ConsumerState[] = [];
  #typeIndex = new Map<string, readonly string[]>();
  #topologyVersion = '';
  /** Recently validated events by id: an in-process hop reuses them instead of re-parsing the stored JSON. */
  readonly #validated = new Map<string, SocEvent>();
  #pollTimer: NodeJS.Timeout | undefined;
  readonly #maintenanceTimer: NodeJS.Timeout;
  readonly #checkpointer: { stop(): Promise<void> } | undefined;
  #closed = false;
  #closing: Promise<void> | undefined;
  #dbOpen = true;

  constructor(options: SqliteBusOptions, deps: BusDeps = {}) {
    this.#policy = resolveRetryPolicy(options.retry);
    this.#deps = resolveBusDeps(deps);
    this.#opts = {
      path: options.path,
      defaultMaxConcurrency: options.defaultMaxConcurrency ?? DEFAULT_MAX_CONCURRENCY,
      pollIntervalMs: options.pollIntervalMs ?? DEFAULTS.pollIntervalMs,
      busyTimeoutMs: options.busyTimeoutMs ?? DEFAULTS.busyTimeoutMs,
      retentionMs: options.retentionMs ?? DEFAULTS.retentionMs,
      synchronous: options.synchronous ?? DEFAULTS.synchronous,
      validatedCacheSize: options.validatedCacheSize ?? DEFAULTS.validatedCacheSize,
    };
    let freed = 0;
    try {
      this.#db = new DatabaseSync(options.path, { timeout: this.#opts.busyTimeoutMs });
      prepareSqliteBusDatabase(this.#db, { ...this.#opts, walAutocheckpointPages: WAL_SAFETY_AUTOCHECKPOINT_PAGES });
      this.#st = new Statements(this.#db);
      freed = registerBusInstance(this.#db, this.#instanceId, this.#now());
    } catch (error) {
      throw translateSqliteError(error, `open ${options.path}`);
    }
    if (freed > 0) {
      this.#deps.logger.warn({ path: options.path, deliveries: freed }, 'SQLite bus: freed the locks of a process that died holding them; those messages are redelivered now');
    }
    this.#loadTypeIndex();
    this.#checkpointer =
      options.path === ':memory:' || options.path === ''
        ? undefined
        : startCheckpointer({
            path: options.path,
            intervalMs: CHECKPOINT_INTERVAL_MS,
            busyTimeoutMs: this.#opts.busyTimeoutMs,
            onError: (message) =>
              this.#deps.logger.error({ err: message, path: options.path }, 'SQLite bus checkpoint failed'),
          });
    this.#maintenanceTimer = setInterval(() => this.#maintain(), DEFAULTS.maintenanceIntervalMs);
    this.#maintenanceTimer.unref();
    this.deadLetters = {
      list: async (query) => this.#listDead(query),
      get: async (id) => this.#getDead(id),
      replay: async (id) => this.#replay(id),
      replayAll: async (query) => this.#replayAll(query),
    };
  }

  async ensureTopology(subscriptions: readonly SubscriptionSpec[]): Promise<void> {
    this.#assertOpen();
    const now = this.#now();
    this.#write('ensure the topology', () => {
      for (const spec of subscriptions) {
        this.#st.upsertSubscription.run(spec.name, JSON.stringify(spec.types), now);
        this.#st.deleteSubscriptionTypes.run(spec.name);
        for (const type of new Set(spec.types)) this.#st.insertSubscriptionType.run(type, spec.name);
      }
      // Every process re-reads the routing table inside its next write transaction when this changes.
      this.#st.bumpTopologyVersion.run();
    });
    this.#loadTypeIndex();
  }

  publish(events: readonly SocEvent[]): Promise<void> {
    let rows: PreparedEvent[];
    try {
      this.#assertOpen();
      // Validated first, so an event contracts already validated keeps its identity; the trace stamp is ours.
      rows = validateEvents(events, this.#now()).map((e) => prepare(this.#deps.observer.stamp(e)));
    } catch (error) {
      return Promise.reject(error as Error);
    }
    if (rows.length === 0) return Promise.resolve();
    return new Promise((resolve, reject) => {
      this.#ops.push({ kind: 'publish', rows, resolve, reject });
      this.#scheduleFlush();
    });
  }

  subscribe(options: SubscribeOptions, handler: EventHandler): Consumer {
    this.#assertOpen();
    if (this.#st.subscriptionExists.get(options.subscription) === undefined) {
      throw new AppError(
        ErrorCode.CONFIGURATION_INVALID,
        `Unknown subscription "${options.subscription}": declare it with ensureTopology first`,
        {
          retryable: false,
        },
      );
    }
    const state: ConsumerState = {
      subscription: options.subscription,
      dirty: true,
      runner: new DeliveryRunner<SqliteDelivery>({
        subscription: options.subscription,
        handler,
        policy: this.#policy,
        deps: this.#deps,
        maxConcurrency: options.maxConcurrency ?? this.#opts.defaultMaxConcurrency,
        settle: (delivery, settlement) => this.#enqueueSettlement(delivery, settlement),
        onSlotFree: () => {
          if (state.dirty) this.#scheduleFlush();
        },
      }),
    };
    this.#consumers.push(state);
    this.#startPolling();
    this.#scheduleFlush();
    let closing: Promise<void> | undefined;
    return {
      close: () => {
        closing ??= state.runner.close().then(() => {
          this.#consumers.splice(this.#consumers.indexOf(state), 1);
          if (this.#consumers.length === 0) this.#stopPolling();
        });
        return closing;
      },
    };
  }

  async depth(): Promise<readonly SubscriptionDepth[]> {
    this.#assertOpen();
    const rows = this.#read('read the depth', () => this.#st.depth.all(this.#now())) as {
      subscription: string;
      active: number;
      scheduled: number;
      dead: number;
    }[];
    return rows.map((r) => ({ subscription: r.subscription, active: r.active, deadLettered: r.dead, scheduled: r.scheduled }));
  }

  /** Open, and the file answers a read (a deleted, locked or corrupt file does not). */
  async probe(): Promise<void> {
    this.#assertOpen();
    this.#read('probe the bus file', () => this.#st.probe.get());
  }

  /** Stops the consumers, waits for their handlers and for every queued commit, then closes the file. */
  close(): Promise<void> {
    this.#closing ??= (async () => {
      this.#closed = true;
      this.#stopPolling();
      clearInterval(this.#maintenanceTimer);
      await Promise.all(this.#consumers.map((c) => c.runner.close()));
      // Publishes still queued are committed, not dropped: their callers are waiting for a verdict.
      while (this.#ops.length > 0) this.#flush();
      clearTimeout(this.#retryFlushTimer);
      await this.#checkpointer?.stop();
      try {
        unregisterBusInstance(this.#db, this.#instanceId);
      } catch {
        // A busy file at shutdown leaves the row behind; the next start on this host removes it (the pid is gone).
      }
      this.#dbOpen = false;
      this.#db.close();
    })();
    return this.#closing;
  }

  /**
   * Forgets fully consumed messages older than the retention window (their ids may then be published again).
   * Runs every 10 s; exposed for operators and tests. Returns how many messages were removed.
   *
   * A cursor kept in the file walks messages in publish (rowid) order to find the newest expired one, so no
   * index on the publish time is needed. Each delete also covers the rows behind the cursor: those are only
   * the ones that still had a delivery when the cursor passed (backlog, dead letters), so a message is removed
   * once its last delivery goes, however late that is.
   */
  purgeExpired(): number {
    const cutoff = this.#now() - this.#opts.retentionMs;
    let total = 0;
    for (;;) {
      const step = this.#write('purge expired messages', () => {
        const cursorRow = this.#st.purgeCursor.get() as { value: string } | undefined;
        const cursor = cursorRow === undefined ? 0 : Number(cursorRow.value);
        const candidates = this.#st.purgeCandidates.all(cursor, DEFAULTS.purgeBatch) as {
          rid: number;
          published_at: number;
        }[];
        let upTo = cursor;
        for (const c of candidates) {
          if (c.published_at >= cutoff) break;
          upTo = c.rid;
        }
        const removed = Number(this.#st.purge.run(upTo).changes);
        if (upTo !== cursor) this.#st.setPurgeCursor.run(String(upTo));
        const more = upTo !== cursor && candidates.length === DEFAULTS.purgeBatch && upTo === candidates.at(-1)?.rid;
        return { removed, more };
      });
      total += step.removed;
      if (!step.more) return total;
    }
  }

  #assertOpen(): void {
    if (this.#closed) throw new AppError(ErrorCode.PRECONDITION_FAILED, 'The bus is closed', { retryable: false });
  }

  #now(): number {
    return this.#deps.clock.now().getTime();
  }

  #enqueueSettlement(delivery: SqliteDelivery, settlement: Settlement): Promise<SettleResult> {
    const rows = settlement.kind === 'retry' ? [] : settlement.emit.map(prepare);
    return new Promise((resolve, reject) => {
      this.#ops.push({ kind: 'settle', delivery, settlement, rows, resolve, reject });
      this.#scheduleFlush();
    });
  }

  #scheduleFlush(): void {
    if (this.#flushScheduled || !this.#dbOpen) return;
    this.#flushScheduled = true;
    // setImmediate, not a microtask: every settlement and publish of this event-loop turn joins the same commit.
    setImmediate(() => this.#flush());
  }

  /**
   * One group commit: queued settlements and publishes, then receives for consumers with free slots.
   * A delivery published here for a local consumer that is caught up and has a free slot is inserted already
   * locked to it (claimed): no separate lock statement, no poll, and it is handed over right after COMMIT.
   */
  #flush(): void {
    this.#flushScheduled = false;
    if (!this.#dbOpen) return;
    const ops = this.#ops;
    this.#ops = [];
    if (ops.length === 0 && !this.#consumers.some(wantsMessages)) return;
    const now = this.#now();
    const tx: FlushContext = {
      now,
      token: `${this.#instanceId}:${++this.#flushSeq}`,
      lockedUntil: now + this.#policy.lockDurationMs,
      touched: new Set(),
      inserted: [],
      handOver: new Map(),
    };
    const results: SettleResult[] = [];
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      this.#refreshTopology();
      for (const op of ops) {
        if (op.kind === 'publish') this.#insert(op.rows, tx);
        else results.push(this.#applySettlement(op, tx));
      }
      for (const c of this.#consumers) if (tx.touched.has(c.subscription)) c.dirty = true;
      for (const c of this.#consumers) {
        if (!c.dirty) continue;
        const want = remainingSlots(c, tx);
        if (want <= 0) continue;
        const batch = this.#lockBatch(c.subscription, tx, want);
        if (batch.length < want) c.dirty = false;
        for (const d of batch) handOver(tx, c, d);
      }
      this.#db.exec('COMMIT');
    } catch (error) {
      this.#rollback();
      for (const row of tx.inserted) this.#validated.delete(row.id);
      const failure = translateSqliteError(error, 'commit');
      this.#deps.logger.error(
        { err: failure, operations: ops.length },
        'SQLite bus group commit failed; nothing in it was applied',
      );
      for (const op of ops) op.reject(failure);
      // Back off before receiving again so a persistent fault (disk full) does not spin the event loop.
      this.#retryFlushTimer ??= setTimeout(
        () => {
          this.#retryFlushTimer = undefined;
          this.#scheduleFlush();
        },
        Math.max(this.#opts.pollIntervalMs, 50),
      );
      return;
    }
    let r = 0;
    for (const op of ops) {
      if (op.kind === 'publish') op.resolve();
      else op.resolve(results[r++] as SettleResult);
    }
    for (const [c, batch] of tx.handOver) for (const d of batch) c.runner.start(d);
    if (this.#consumers.some(wantsMessages)) this.#scheduleFlush();
  }

  #rollback(): void {
    try {
      if (this.#db.isTransaction) this.#db.exec('ROLLBACK');
    } catch (error) {
      this.#deps.logger.error({ err: error }, 'SQLite bus rollback failed');
    }
  }

  /** Reloads the type → subscriptions map inside the write transaction when any process changed the topology. */
  #refreshTopology(): void {
    const row = this.#st.topologyVersion.get() as { value: string } | undefined;
    const version = row === undefined ? '0' : row.value;
    if (version !== this.#topologyVersion) this.#loadTypeIndex();
  }

  /**
   * Stores messages once and fans them out, one delivery per subscription of the type (the index is fresh:
   * see #refreshTopology); an id already stored is skipped (idempotent publish). A scheduled event (`deliverat`
   * ahead) gets deliveries whose `visible_at` is that time: the ready index orders them after everything visible
   * and a poll finds them once due — no claim, no timer, and a restart loses nothing.
   */
  #insert(rows: readonly PreparedEvent[], tx: FlushContext): void {
    for (const row of rows) {
      if (this.#st.insertMessage.run(row.id, row.type, row.correlationid, row.body, tx.now).changes === 0) continue;
      tx.inserted.push(row);
      // Cached before COMMIT so a receive in this same transaction reuses it; a rollback forgets it again.
      this.#remember(row);
      const subs = this.#typeIndex.get(row.type);
      if (subs === undefined) continue;
      if (row.deliverAt !== undefined && row.deliverAt > tx.now) {
        for (const subscription of subs) this.#st.insertDelivery.run(subscription, row.id, row.deliverAt, row.lane);
        continue;
      }
      for (const subscription of subs) {
        const claimer = this.#claimerFor(subscription, tx);
        if (claimer === undefined) {
          this.#st.insertDelivery.run(subscription, row.id, tx.now, row.lane);
          tx.touched.add(subscription);
          continue;
        }
        const rowId = Number(
          this.#st.insertLockedDelivery.run(subscription, row.id, tx.lockedUntil, tx.token, row.lane).lastInsertRowid,
        );
        handOver(tx, claimer, {
          rowId,
          lockToken: tx.token,
          subscription,
          messageId: row.id,
          body: row.event,
          event: row.event,
          deliveryCount: 1,
          lockedUntil: tx.lockedUntil,
        });
      }
    }
  }

  /**
   * A local consumer that may take a new delivery directly: caught up (not dirty, so no visible backlog of any lane
   * to pass) and with a free slot.
   */
  #claimerFor(subscription: string, tx: FlushContext): ConsumerState | undefined {
    for (const c of this.#consumers) {
      if (c.subscription === subscription && !c.dirty && remainingSlots(c, tx) > 0) return c;
    }
    return undefined;
  }

  #applySettlement(op: Extract<Op, { kind: 'settle' }>, tx: FlushContext): SettleResult {
    const now = tx.now;
    const d = op.delivery;
    const s = op.settlement;
    switch (s.kind) {
      case 'complete': {
        if (this.#st.complete.run(d.rowId, d.lockToken).changes === 0) return { kind: 'lock-lost' };
        // Only the holder of the lock publishes the outcome: a consumer that lost it leaves that to the next one.
        this.#insert(op.rows, tx);
        return { kind: 'settled' };
      }
      case 'retry': {
        if (this.#st.abandon.run(now + s.delayMs, d.rowId, d.lockToken).changes === 0) return { kind: 'lock-lost' };
        if (s.delayMs <= 0) tx.touched.add(d.subscription);
        return { kind: 'settled' };
      }
      case 'dead-letter': {
        if (this.#st.deadLetter.run(s.reason, s.description, now, d.rowId, d.lockToken).changes === 0)
          return { kind: 'lock-lost' };
        this.#insert(op.rows, tx);
        const deadLetter = buildDeadLetter({
          id: deadLetterId(d.subscription, d.messageId),
          subscription: d.subscription,
          messageId: d.messageId,
          body: d.body,
          event: d.event,
          reason: s.reason,
          description: s.description,
          deliveryCount: d.deliveryCount,
          deadLetteredAt: new Date(now).toISOString(),
        });
        return { kind: 'settled', deadLetter };
      }
      default:
        return assertNever(s);
    }
  }

  /**
   * Locks up to `max` visible deliveries in one statement, highest lane first, and loads their bodies (or reuses
   * the validated event). They are started in lane, then publish (id), order.
   */
  #lockBatch(subscription: string, tx: FlushContext, max: number): SqliteDelivery[] {
    const { token, lockedUntil } = tx;
    const rows = this.#st.lock.all(token, lockedUntil, subscription, tx.now, max) as unknown as LockedRow[];
    // RETURNING order is unspecified: restore the lane order the statement selected by.
    rows.sort((a, b) => a.lane - b.lane || a.id - b.id);
    const out: SqliteDelivery[] = new Array<SqliteDelivery>(rows.length);
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i] as LockedRow;
      const event = this.#validated.get(row.message_id);
      let body: unknown = event;
      if (event === undefined) {
        const stored = this.#st.body.get(row.message_id) as { body: string } | undefined;
        body = stored === undefined ? undefined : decodeBody(stored.body);
      }
      out[i] = {
        rowId: row.id,
        lockToken: token,
        subscription,
        messageId: row.message_id,
        body,
        event,
        deliveryCount: row.delivery_count,
        lockedUntil,
      };
    }
    return out;
  }

  #remember(row: PreparedEvent): void {
    this.#validated.set(row.id, row.event);
    if (this.#validated.size > this.#opts.validatedCacheSize) {
      const oldest = this.#validated.keys().next();
      if (oldest.done !== true) this.#validated.delete(oldest.value);
    }
  }

  #startPolling(): void {
    if (this.#pollTimer !== undefined) return;
    // Deliberately not unref'd: like an open broker connection, a running consumer keeps its process alive.
    this.#pollTimer = setInterval(() => this.#poll(), this.#opts.pollIntervalMs);
  }

  #stopPolling(): void {
    clearInterval(this.#pollTimer);
    this.#pollTimer = undefined;
  }

  /** Cheap read-only probe per idle consumer; only a hit takes the write lock (in the next group commit). */
  #poll(): void {
    const now = this.#now();
    const margin = Math.min(1_000, this.#policy.lockDurationMs / 10) + this.#opts.pollIntervalMs;
    let found = false;
    try {
      for (const c of this.#consumers) {
        c.runner.sweep(now, margin);
        if (c.dirty || c.runner.freeSlots === 0) continue;
        if (this.#st.hasReady.get(c.subscription, now) !== undefined) {
          c.dirty = true;
          found = true;
        }
      }
    } catch (error) {
      this.#deps.logger.error({ err: translateSqliteError(error, 'poll') }, 'SQLite bus poll failed');
    }
    if (found) this.#scheduleFlush();
  }

  #maintain(): void {
    try {
      this.purgeExpired();
    } catch (error) {
      this.#deps.logger.error({ err: error }, 'SQLite bus purge failed');
    }
  }

  #loadTypeIndex(): void {
    const version = this.#st.topologyVersion.get() as { value: string } | undefined;
    this.#topologyVersion = version === undefined ? '0' : version.value;
    const rows = this.#st.subscriptionTypes.all() as { type: string; subscription: string }[];
    const index = new Map<string, string[]>();
    for (const { type, subscription } of rows) {
      const list = index.get(type);
      if (list) list.push(subscription);
      else index.set(type, [subscription]);
    }
    this.#typeIndex = index;
  }

  #write<T>(action: string, fn: () => T): T {
    try {
      this.#db.exec('BEGIN IMMEDIATE');
      const result = fn();
      this.#db.exec('COMMIT');
      return result;
    } catch (error) {
      this.#rollback();
      throw translateSqliteError(error, action);
    }
  }

  #read<T>(action: string, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      throw translateSqliteError(error, action);
    }
  }

  #listDead(query: DeadLetterQuery = {}): DeadLetter[] {
    this.#assertOpen();
    const limit = query.limit ?? 100;
    const rows = this.#read('list dead letters', () =>
      query.subscription === undefined
        ? this.#st.listDead.all(limit)
        : this.#st.listDeadOf.all(query.subscription, limit),
    ) as unknown as DeadRow[];
    return rows.map(toDeadLetter);
  }

  #getDead(id: string): DeadLetter | undefined {
    this.#assertOpen();
    const key = splitDeadLetterId(id);
    if (key === undefined) return undefined;
    const row = this.#read('read a dead letter', () => this.#st.getDead.get(key.subscription, key.messageId)) as
      DeadRow | undefined;
    return row === undefined ? undefined : toDeadLetter(row);
  }

  #replay(id: string): boolean {
    this.#assertOpen();
    const key = splitDeadLetterId(id);
    if (key === undefined) return false;
    const now = this.#now();
    const changed = this.#write('replay a dead letter', () =>
      Number(this.#st.replay.run(now, key.subscription, key.messageId).changes),
    );
    if (changed > 0) this.#wake(new Set([key.subscription]));
    return changed > 0;
  }

  #replayAll(query: DeadLetterQuery = {}): number {
    this.#assertOpen();
    const now = this.#now();
    const limit = query.limit ?? -1;
    const changed = this.#write('replay dead letters', () =>
      Number(
        (query.subscription === undefined
          ? this.#st.replayAll.run(now, limit)
          : this.#st.replayAllOf.run(now, query.subscription, limit)
        ).changes,
      ),
    );
    if (changed > 0) this.#wake(query.subscription === undefined ? undefined : new Set([query.subscription]));
    return changed;
  }

  #wake(subscriptions: ReadonlySet<string> | undefined): void {
    for (const c of this.#consumers)
      if (subscriptions === undefined || subscriptions.has(c.subscription)) c.dirty = true;
    this.#scheduleFlush();
  }
}

/** State of one group commit. */
interface FlushContext {
  readonly now: number;
  /** One lock token per transaction: with the row id it identifies a lock acquisition uniquely. */
  readonly token: string;
  readonly lockedUntil: number;
  /** Subscriptions that got unlocked deliveries: their local consumers look for them in this transaction. */
  readonly touched: Set<string>;
  readonly inserted: PreparedEvent[];
  /** Deliveries locked in this transaction, started after COMMIT. */
  readonly handOver: Map<ConsumerState, SqliteDelivery[]>;
}

function handOver(tx: FlushContext, c: ConsumerState, d: SqliteDelivery): void {
  const list = tx.handOver.get(c);
  if (list === undefined) tx.handOver.set(c, [d]);
  else list.push(d);
}

function remainingSlots(c: ConsumerState, tx: FlushContext): number {
  return c.runner.freeSlots - (tx.handOver.get(c)?.length ?? 0);
}

function wantsMessages(c: ConsumerState): boolean {
  return c.dirty && c.runner.freeSlots > 0;
}

function prepare(event: SocEvent): PreparedEvent {
  const body = JSON.stringify(event);
  assertWithinEventBudget(event, body);
  return {
    id: event.id,
    type: event.type,
    correlationid: event.correlationid,
    lane: laneOf(eventPriority(event)),
    deliverAt: deliverAtOf(event),
    body,
    event,
  };
}

/** Stored bodies are JSON text; one that is not (written by a foreign producer) is handed on as a string and rejected by validation. */
function decodeBody(text: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return text;
  }
}

function splitDeadLetterId(id: string): { subscription: string; messageId: string } | undefined {
  const slash = id.indexOf('/');
  if (slash <= 0) return undefined;
  return { subscription: id.slice(0, slash), messageId: id.slice(slash + 1) };
}

function toDeadLetter(row: DeadRow): DeadLetter {
  return buildDeadLetter({
    id: deadLetterId(row.subscription, row.message_id),
    subscription: row.subscription,
    messageId: row.message_id,
    body: decodeBody(row.body),
    event: undefined,
    reason: row.dl_reason,
    description: row.dl_description,
    deliveryCount: row.delivery_count,
    deadLetteredAt: new Date(row.dl_at).toISOString(),
  });
}

function assertNever(x: never): never {
  throw new Error(`unexpected ${JSON.stringify(x)}`);
}

const DEAD_COLUMNS = `d.subscription, d.message_id, d.delivery_count, d.dl_reason, d.dl_description, d.dl_at, m.body
  FROM bus_deliveries d JOIN bus_messages m ON m.id = d.message_id`;
const REPLAY_SET = `state = ${DeliveryState.active}, visible_at = ?, delivery_count = 0, lock_token = NULL,
  dl_reason = NULL, dl_description = NULL, dl_at = NULL`;

/** Every statement prepared once: the hot path never re-parses SQL. */
class Statements {
  readonly upsertSubscription: StatementSync;
  readonly deleteSubscriptionTypes: StatementSync;
  readonly insertSubscriptionType: StatementSync;
  readonly subscriptionTypes: StatementSync;
  readonly subscriptionExists: StatementSync;
  readonly insertMessage: StatementSync;
  readonly insertDelivery: StatementSync;
  readonly insertLockedDelivery: StatementSync;
  readonly topologyVersion: StatementSync;
  readonly bumpTopologyVersion: StatementSync;
  readonly lock: StatementSync;
  readonly body: StatementSync;
  readonly hasReady: StatementSync;
  readonly complete: StatementSync;
  readonly abandon: StatementSync;
  readonly deadLetter: StatementSync;
  readonly depth: StatementSync;
  readonly probe: StatementSync;
  readonly listDead: StatementSync;
  readonly listDeadOf: StatementSync;
  readonly getDead: StatementSync;
  readonly replay: StatementSync;
  readonly replayAll: StatementSync;
  readonly replayAllOf: StatementSync;
  readonly purgeCursor: StatementSync;
  readonly setPurgeCursor: StatementSync;
  readonly purgeCandidates: StatementSync;
  readonly purge: StatementSync;

  constructor(db: DatabaseSync) {
    const { active, deadLettered } = DeliveryState;
    this.upsertSubscription = db.prepare(
      'INSERT INTO bus_subscriptions (name, types, updated_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE SET types = excluded.types, updated_at = excluded.updated_at',
    );
    this.deleteSubscriptionTypes = db.prepare('DELETE FROM bus_subscription_types WHERE subscription = ?');
    this.insertSubscriptionType = db.prepare('INSERT INTO bus_subscription_types (type, subscription) VALUES (?, ?)');
    this.subscriptionTypes = db.prepare('SELECT type, subscription FROM bus_subscription_types');
    this.subscriptionExists = db.prepare('SELECT 1 AS found FROM bus_subscriptions WHERE name = ?');
    this.insertMessage = db.prepare(
      'INSERT INTO bus_messages (id, type, correlation_id, body, published_at) VALUES (?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING',
    );
    this.insertDelivery = db.prepare(
      `INSERT INTO bus_deliveries (subscription, message_id, state, visible_at, delivery_count, lane) VALUES (?, ?, ${active}, ?, 0, ?)`,
    );
    this.insertLockedDelivery = db.prepare(
      `INSERT INTO bus_deliveries (subscription, message_id, state, visible_at, lock_token, delivery_count, lane) VALUES (?, ?, ${active}, ?, ?, 1, ?)`,
    );
    this.topologyVersion = db.prepare("SELECT value FROM bus_meta WHERE key = 'topology_version'");
    this.bumpTopologyVersion = db.prepare(
      "INSERT INTO bus_meta (key, value) VALUES ('topology_version', '1') ON CONFLICT (key) DO UPDATE SET value = CAST(value AS INTEGER) + 1",
    );
    this.lock = db.prepare(LOCK_BATCH_SQL);
    this.body = db.prepare('SELECT body FROM bus_messages WHERE id = ?');
    this.hasReady = db.prepare(HAS_READY_SQL);
    this.complete = db.prepare('DELETE FROM bus_deliveries WHERE id = ? AND lock_token = ?');
    this.abandon = db.prepare(
      'UPDATE bus_deliveries SET lock_token = NULL, visible_at = ? WHERE id = ? AND lock_token = ?',
    );
    this.deadLetter = db.prepare(
      `UPDATE bus_deliveries SET state = ${deadLettered}, lock_token = NULL, dl_reason = ?, dl_description = ?, dl_at = ? WHERE id = ? AND lock_token = ?`,
    );
    this.depth = db.prepare(
      `SELECT s.name AS subscription,
         (SELECT count(*) FROM bus_deliveries d WHERE d.subscription = s.name AND d.state = ${active} AND NOT (d.delivery_count = 0 AND d.visible_at > ?1)) AS active,
         (SELECT count(*) FROM bus_deliveries d WHERE d.subscription = s.name AND d.state = ${active} AND d.delivery_count = 0 AND d.visible_at > ?1) AS scheduled,
         (SELECT count(*) FROM bus_deliveries d WHERE d.subscription = s.name AND d.state = ${deadLettered}) AS dead
       FROM bus_subscriptions s ORDER BY s.name`,
    );
    this.probe = db.prepare('SELECT name FROM bus_subscriptions LIMIT 1');
    this.listDead = db.prepare(`SELECT ${DEAD_COLUMNS} WHERE d.state = ${deadLettered} ORDER BY d.dl_at, d.id LIMIT ?`);
    this.listDeadOf = db.prepare(
      `SELECT ${DEAD_COLUMNS} WHERE d.state = ${deadLettered} AND d.subscription = ? ORDER BY d.dl_at, d.id LIMIT ?`,
    );
    this.getDead = db.prepare(
      `SELECT ${DEAD_COLUMNS} WHERE d.subscription = ? AND d.state = ${deadLettered} AND d.message_id = ?`,
    );
    this.replay = db.prepare(
      `UPDATE bus_deliveries SET ${REPLAY_SET} WHERE subscription = ? AND state = ${deadLettered} AND message_id = ?`,
    );
    this.replayAll = db.prepare(
      `UPDATE bus_deliveries SET ${REPLAY_SET} WHERE id IN (SELECT id FROM bus_deliveries WHERE state = ${deadLettered} ORDER BY dl_at LIMIT ?)`,
    );
    this.replayAllOf = db.prepare(
      `UPDATE bus_deliveries SET ${REPLAY_SET} WHERE id IN (SELECT id FROM bus_deliveries WHERE state = ${deadLettered} AND subscription = ? ORDER BY dl_at LIMIT ?)`,
    );
    this.purgeCursor = db.prepare("SELECT value FROM bus_meta WHERE key = 'purge_cursor'");
    this.setPurgeCursor = db.prepare(
      "INSERT INTO bus_meta (key, value) VALUES ('purge_cursor', ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
    );
    this.purgeCandidates = db.prepare(
      'SELECT rowid AS rid, published_at FROM bus_messages WHERE rowid > ? ORDER BY rowid LIMIT ?',
    );
    // One NOT IN per statement: SQLite materialises the pending message ids once, not per row.
    this.purge = db.prepare(
      'DELETE FROM bus_messages WHERE rowid <= ? AND id NOT IN (SELECT message_id FROM bus_deliveries)',
    );
  }
}
