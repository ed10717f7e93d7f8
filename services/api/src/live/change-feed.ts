import type { CaseEventDoc } from '../case-view.ts';
import type { CaseGroupStore } from '../ports.ts';

/** The newest case events, newest event time first (the case view's store; every replica reads the same). */
export interface RecentCaseEvents {
  recent(limit: number): Promise<CaseEventDoc[]>;
}

/** A hint that a case changed: ids only, never alert text. `tenantId` decides who is told and is not sent. */
export interface CaseHint {
  alertId: string;
  groupId: string | null;
  /** The case's tenant (its event's `tenantid`); undefined on events stored before tenants were recorded (the deployment's). */
  tenantId: string | undefined;
}

/**
 * Pure: which alerts changed between two reads of the newest events. `seen` is the event ids of the previous read
 * (undefined on the first read, which only primes: nothing before a stream opened is news). An event of the new
 * read not in `seen` is new, unless the previous read was full (`window` events) and it is older than that read's
 * oldest event: it may have been there all along, beyond the window. One change per alert, newest first. Events filed under a correlation id (they arrived before their
 * alert) name no alert yet and are left out: the alert's own event follows.
 */
export function changedAlerts(seen: ReadonlySet<string> | undefined, oldestSeen: string | undefined, docs: readonly CaseEventDoc[], window: number): { changes: { alertId: string; tenantId: string | undefined }[]; seen: Set<string>; oldest: string | undefined } {
  const next = new Set(docs.map((d) => d.eventId));
  const oldest = docs.length === 0 ? oldestSeen : docs.reduce((min, d) => (d.time < min ? d.time : min), docs[0]!.time);
  if (seen === undefined) return { changes: [], seen: next, oldest };
  const changes = new Map<string, string | undefined>();
  for (const d of docs) {
    if (seen.has(d.eventId) || d.alertId.startsWith('correlation:')) continue;
    if (oldestSeen !== undefined && d.time < oldestSeen && seen.size >= window) continue;
    if (!changes.has(d.alertId)) changes.set(d.alertId, d.tenantid);
  }
  return { changes: [...changes].map(([alertId, tenantId]) => ({ alertId, tenantId })), seen: next, oldest };
}

/** Where the feed's hints go. */
export type CaseHintListener = (hint: CaseHint) => void;

/** The change feed of one api replica: polls while someone listens. */
export interface CaseChangeFeed {
  /** Listens; the returned function stops listening. The first listener starts the polling, the last one stops it. */
  subscribe(listener: CaseHintListener): () => void;
  close(): Promise<void>;
}

/**
 * Polls the newest `window` case events every `intervalMs` while at least one stream listens, and tells every
 * listener which cases changed (with their group, looked up once per change). It reads the shared state store, not
 * this replica's share of the case-view subscription, so every replica tells its streams about every change. A case
 * changed by more than `window` events between two reads may lose some hints: they are hints (the console reloads
 * what it shows), not the record.
 */
export function startCaseChangeFeed(deps: { events: RecentCaseEvents; groups: CaseGroupStore; intervalMs: number; window?: number; warn: (message: string, err: unknown) => void }): CaseChangeFeed {
  const window = deps.window ?? 200;
  const listeners = new Set<CaseHintListener>();
  let timer: NodeJS.Timeout | undefined;
  let running: Promise<void> | undefined;
  let seen: Set<string> | undefined;
  let oldest: string | undefined;
  let closed = false;
  let failing = false;
  // Bumped when the last listener leaves: a read still in flight then primes nothing (the next listener starts afresh).
  let generation = 0;

  const poll = async (): Promise<void> => {
    const started = generation;
    try {
      const docs = await deps.events.recent(window);
      if (started !== generation) return;
      const read = changedAlerts(seen, oldest, docs, window);
      seen = read.seen;
      oldest = read.oldest;
      failing = false;
      for (const change of read.changes) {
        const group = await deps.groups.groupOf(change.alertId).catch(() => undefined);
        const hint: CaseHint = { alertId: change.alertId, groupId: group?.groupId ?? null, tenantId: change.tenantId };
        for (const listener of listeners) listener(hint);
      }
    } catch (error) {
      if (!failing) deps.warn('live updates: reading the recent case events failed (retrying)', error);
      failing = true;
    }
  };
  const schedule = (): void => {
    if (closed || listeners.size === 0) return;
    timer = setTimeout(() => {
      running = poll().finally(() => {
        running = undefined;
        schedule();
      });
    }, deps.intervalMs);
    timer.unref();
  };
  const stop = (): void => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
    generation += 1;
    seen = undefined;
    oldest = undefined;
  };

  return {
    subscribe(listener) {
      listeners.add(listener);
      if (listeners.size === 1 && timer === undefined && running === undefined) {
        // Prime at once, so a change right after the stream opened is news on the next read.
        running = poll().finally(() => {
          running = undefined;
          schedule();
        });
      }
      return () => {
        listeners.delete(listener);
        if (listeners.size === 0) stop();
      };
    },
    async close() {
      closed = true;
      listeners.clear();
      stop();
      await running;
    },
  };
}
