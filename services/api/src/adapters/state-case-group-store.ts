import type { TenantGrant } from '@soc/http';
import { type StateStore, type UpdateWithRetryOptions, updateWithRetry } from '@soc/state';
import { AppError, ErrorCode, isAppError } from '@soc/runtime';
import {
  type CaseGroup,
  type GroupHead,
  type GroupMembership,
  type GroupObservation,
  type GroupSeed,
  type LeadCasework,
  applyLeadCasework,
  applyObservation,
  openHead,
  placeInWindow,
  seedOf,
} from '../case-group.ts';
import type { CaseGroupStore } from '../ports.ts';

const HEADS = 'case-group-heads';
const GROUPS = 'case-groups';
const MEMBERS = 'case-group-members';
/** How many of a key's groups a late alert (before the open group's window) is matched against. */
const EARLIER_GROUPS_SCANNED = 50;

const noop = (): void => {};
const isConflict = (e: unknown): boolean => isAppError(e) && e.code === ErrorCode.CONFLICT;

/** Options of {@link StateCaseGroupStore}. */
export interface StateCaseGroupStoreOptions {
  /** An alert joins its key's open group while its receipt time is within this many minutes of the group's span. */
  windowMinutes: number;
  /** TTL of heads, groups and memberships; absent keeps them. */
  retentionDays?: number;
  /** Retry policy of the read-modify-write updates (tests inject an instant sleep). */
  retry?: Omit<UpdateWithRetryOptions, 'ttlSeconds'>;
}

/**
 * Case groups in the state store. Three collections, each write concurrency-safe through etags:
 * `case-group-heads` (per key: the open group), `case-groups` (per group: the document lists and pages show) and
 * `case-group-members` (per alert id: its group and whether it was counted, so redeliveries count nothing).
 */
export class StateCaseGroupStore implements CaseGroupStore {
  private readonly store: StateStore;
  private readonly windowMs: number;
  private readonly ttl: { ttlSeconds?: number };
  private readonly retry: UpdateWithRetryOptions;
  /** The last observation in flight per group key in this process; the next one of the key waits for it. */
  private readonly inFlight = new Map<string, Promise<unknown>>();

  constructor(store: StateStore, options: StateCaseGroupStoreOptions) {
    this.store = store;
    this.windowMs = options.windowMinutes * 60_000;
    this.ttl = options.retentionDays ? { ttlSeconds: options.retentionDays * 86_400 } : {};
    this.retry = { ...options.retry, ...this.ttl };
  }

  async observe(obs: GroupObservation): Promise<CaseGroup> {
    // A storm is many concurrent writes to one group document. Queueing them per key inside the process turns the
    // lost etag races (each a re-read and retry) into a queue; only other replicas still race, and etags settle that.
    const previous = this.inFlight.get(obs.key);
    const run = previous ? previous.then(noop, noop).then(() => this.observeNow(obs)) : this.observeNow(obs);
    this.inFlight.set(obs.key, run);
    try {
      return await run;
    } finally {
      if (this.inFlight.get(obs.key) === run) this.inFlight.delete(obs.key);
    }
  }

  private async observeNow(obs: GroupObservation): Promise<CaseGroup> {
    const membership = (await this.store.get<GroupMembership>(MEMBERS, obs.alertId))?.value ?? (await this.join(obs));
    const group = await updateWithRetry<CaseGroup>(this.store, GROUPS, membership.seed.groupId, (current) => applyObservation(current, obs, membership), this.retry);
    // Marked after the group write: a crash in between leaves it uncounted here, and the group's newest members
    // (where the alert now is) stop the redelivery from counting it again.
    if (obs.isArrival && !membership.counted) await this.store.put(MEMBERS, obs.alertId, { ...membership, counted: true }, this.ttl);
    if (!group) throw new AppError(ErrorCode.INTERNAL, `case group ${membership.seed.groupId} vanished while written`, { retryable: true });
    return group;
  }

  async get(groupId: string): Promise<CaseGroup | undefined> {
    return (await this.store.get<CaseGroup>(GROUPS, groupId))?.value;
  }

  async groupOf(alertId: string): Promise<CaseGroup | undefined> {
    const membership = (await this.store.get<GroupMembership>(MEMBERS, alertId))?.value;
    return membership ? this.get(membership.seed.groupId) : undefined;
  }

  async list(query: { limit: number; severity?: string; tenants: TenantGrant }): Promise<CaseGroup[]> {
    // One query per tenant (equality filters only), merged by latest activity: another tenant's groups are never read.
    const perTenant = await Promise.all(
      (query.tenants === '*' ? [undefined] : query.tenants).map((tenantId) =>
        this.store.query<CaseGroup>(GROUPS, {
          where: { ...(tenantId !== undefined ? { tenantId } : {}), ...(query.severity ? { severity: query.severity } : {}) },
          orderBy: { field: 'lastSeen', direction: 'desc' },
          limit: query.limit,
        }),
      ),
    );
    const all = perTenant.flat().map((d) => d.value);
    if (perTenant.length > 1) all.sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : a.lastSeen > b.lastSeen ? -1 : 0));
    return all.slice(0, query.limit);
  }

  async recordLeadCasework(change: LeadCasework): Promise<void> {
    const membership = (await this.store.get<GroupMembership>(MEMBERS, change.alertId))?.value;
    // Only the lead alert's casework is the group's. An alert not grouped yet is not a lead whose group exists either.
    if (!membership || membership.seed.firstAlertId !== change.alertId) return;
    await updateWithRetry<CaseGroup>(this.store, GROUPS, membership.seed.groupId, (current) => applyLeadCasework(current, change), this.retry);
  }

  /** Places a not yet grouped alert and records its membership; a concurrent placement of the same alert wins once. */
  private async join(obs: GroupObservation): Promise<GroupMembership> {
    const membership: GroupMembership = { alertId: obs.alertId, counted: false, seed: await this.place(obs) };
    try {
      await this.store.put(MEMBERS, obs.alertId, membership, { ifNoneMatch: '*', ...this.ttl });
      return membership;
    } catch (error) {
      if (!isConflict(error)) throw error;
      const winner = await this.store.get<GroupMembership>(MEMBERS, obs.alertId);
      if (!winner) throw new AppError(ErrorCode.CONFLICT, `membership of ${obs.alertId} is contended`, { retryable: true, cause: error });
      return winner.value;
    }
  }

  /** The group an alert joins: its key's open group within the window, an earlier group for a late alert, or a new one. */
  private async place(obs: GroupObservation): Promise<GroupSeed> {
    for (let attempt = 0; attempt < 5; attempt++) {
      const head = (await this.store.get<GroupHead>(HEADS, obs.key))?.value;
      if (head) {
        // The head's group document may not be written yet (its opener is still on the way): its span is the opening time.
        const group = await this.get(head.groupId);
        const where = placeInWindow(group ?? { firstSeen: head.openedAt, lastSeen: head.openedAt }, obs.at, this.windowMs);
        if (where === 'within') return seedOf(head);
        // A late alert never moves the head back in time: it joins an earlier group or opens one of its own.
        if (where === 'before') return (await this.earlierGroup(obs)) ?? seedOf(openHead(obs));
      }
      const opened = openHead(obs);
      // Only the writer that still sees the head it judged may move it; the others re-judge against the new head.
      const now = await updateWithRetry<GroupHead>(this.store, HEADS, obs.key, (current) => (current?.groupId === head?.groupId ? opened : undefined), this.retry);
      if (now?.groupId === opened.groupId) return seedOf(opened);
    }
    throw new AppError(ErrorCode.PRECONDITION_FAILED, `case group head of ${obs.key} is contended`, { retryable: true });
  }

  private async earlierGroup(obs: GroupObservation): Promise<GroupSeed | undefined> {
    const groups = await this.store.query<CaseGroup>(GROUPS, { where: { key: obs.key }, orderBy: { field: 'lastSeen', direction: 'desc' }, limit: EARLIER_GROUPS_SCANNED });
    const match = groups.find((g) => placeInWindow(g.value, obs.at, this.windowMs) === 'within');
    return match ? seedOf(match.value) : undefined;
  }
}
