import { type Alert, type CaseStatus, type SocEvent, type VerdictClass, caseGroupKey, deriveKey } from '@soc/contracts';

/** How many member alert ids a group keeps (newest first); the count covers them all. */
export const MAX_GROUP_MEMBERS = 100;

/** The first alert of a group: what the group is called and filtered by. */
export interface GroupSeed {
  groupId: string;
  key: string;
  tenantId: string;
  firstAlertId: string;
  title: string;
  severity: string;
  source: string;
}

/**
 * A case group: the alerts of one `caseGroupKey` (tenant, source, rule, key entities) that arrived within the
 * window of each other. A storm of near-identical alerts is one group with a count.
 */
export interface CaseGroup extends GroupSeed {
  /** Distinct alerts in the group (an alert is counted once however often its events are delivered). */
  count: number;
  firstSeen: string;
  lastSeen: string;
  /** The worst triage seen so far in the group. */
  riskScore: number | null;
  riskLevel: string | null;
  verdict: VerdictClass | null;
  /** The newest {@link MAX_GROUP_MEMBERS} alert ids, newest first. */
  memberIds: string[];
  /**
   * The casework of the group's lead alert (`firstAlertId`), which is the group's: who works it and where it stands.
   * Absent on groups written before casework existed (read as unassigned and `new`); `assigneeAt`/`statusAt` are the
   * times of the changes shown, so a change delivered late never replaces a newer one.
   */
  assignee?: string | null;
  assigneeAt?: string;
  status?: CaseStatus;
  statusAt?: string;
}

/** A casework change of one alert, as the group of which it is the lead alert records it. */
export interface LeadCasework {
  alertId: string;
  at: string;
  assignee?: string | null;
  status?: CaseStatus;
}

/** The casework facts of an event: an assignment or a status change of an alert; undefined for other events. */
export function leadCaseworkOf(event: SocEvent): LeadCasework | undefined {
  if (event.type === 'soc.case.assigned.v1') return { alertId: event.data.alertId, at: event.data.at, assignee: event.data.assignee };
  if (event.type === 'soc.case.status-changed.v1') return { alertId: event.data.alertId, at: event.data.at, status: event.data.status };
  return undefined;
}

/**
 * Records the lead alert's casework on its group. Pure, for `updateWithRetry`: undefined when nothing changes (not
 * the lead alert, an older change delivered late, or the same value).
 */
export function applyLeadCasework(group: CaseGroup | undefined, change: LeadCasework): CaseGroup | undefined {
  if (!group || group.firstAlertId !== change.alertId) return undefined;
  const next = { ...group };
  let changed = false;
  // The time is recorded even when the value is the one shown (an unassignment of a never-assigned group reads the
  // same), so an older change delivered after it is still recognised as older.
  const newer = (shownAt: string | undefined) => shownAt === undefined || shownAt <= change.at;
  if (change.assignee !== undefined && newer(group.assigneeAt) && (group.assignee !== change.assignee || group.assigneeAt !== change.at)) {
    Object.assign(next, { assignee: change.assignee, assigneeAt: change.at });
    changed = true;
  }
  if (change.status !== undefined && newer(group.statusAt) && (group.status !== change.status || group.statusAt !== change.at)) {
    Object.assign(next, { status: change.status, statusAt: change.at });
    changed = true;
  }
  return changed ? next : undefined;
}

/** The open group of a key: the one a new alert of the key joins while it is within the window. */
export interface GroupHead extends GroupSeed {
  openedAt: string;
}

/** An alert's membership: the group it joined, and whether the group has counted it. Keyed by alert id. */
export interface GroupMembership {
  alertId: string;
  counted: boolean;
  seed: GroupSeed;
}

/** What one event tells the grouping about its alert. */
export interface GroupObservation {
  alertId: string;
  key: string;
  /** The alert's receipt time; for an event that lands before its `received`, that event's time. */
  at: string;
  /** True for `soc.alert.received.v1`, the one event per alert that counts it. */
  isArrival: boolean;
  seed: Omit<GroupSeed, 'groupId' | 'key'>;
  triage?: { score: number; level: string; verdict: VerdictClass };
}

function seedFields(alert: Alert): GroupObservation['seed'] {
  return { tenantId: alert.tenantId, firstAlertId: alert.alertId, title: alert.title, severity: alert.severity, source: alert.source.name };
}

/** The grouping facts of an event: the arrival of an alert, or its decided triage; undefined for other events. */
export function observationOf(event: SocEvent): GroupObservation | undefined {
  if (event.type === 'soc.alert.received.v1') {
    const { alert } = event.data;
    return { alertId: alert.alertId, key: caseGroupKey(alert), at: event.data.receivedAt, isArrival: true, seed: seedFields(alert) };
  }
  if (event.type === 'soc.decision.made.v2') {
    const { alert, triage } = event.data;
    return {
      alertId: alert.alertId,
      key: caseGroupKey(alert),
      at: event.time,
      isArrival: false,
      seed: seedFields(alert),
      triage: { score: triage.risk.score, level: triage.risk.level, verdict: triage.verdict.class },
    };
  }
  return undefined;
}

/** The group id: deterministic from the key and the group's first alert, so a redelivered opener opens the same group. */
export function groupIdFor(key: string, firstAlertId: string): string {
  return `cg-${deriveKey(key, firstAlertId)}`;
}

/** The head a new group opened by this observation has. */
export function openHead(obs: GroupObservation): GroupHead {
  return { groupId: groupIdFor(obs.key, obs.alertId), key: obs.key, ...obs.seed, firstAlertId: obs.alertId, openedAt: obs.at };
}

/** The seed fields of a head or group. */
export function seedOf(g: GroupSeed): GroupSeed {
  return { groupId: g.groupId, key: g.key, tenantId: g.tenantId, firstAlertId: g.firstAlertId, title: g.title, severity: g.severity, source: g.source };
}

/** Where a time falls relative to a group's span widened by the window on both sides. */
export function placeInWindow(span: { firstSeen: string; lastSeen: string }, at: string, windowMs: number): 'before' | 'within' | 'after' {
  const t = Date.parse(at);
  if (t < Date.parse(span.firstSeen) - windowMs) return 'before';
  if (t > Date.parse(span.lastSeen) + windowMs) return 'after';
  return 'within';
}

// How bad a verdict is for the group's headline: a true positive anywhere in a storm makes the storm one.
const VERDICT_RANK: Readonly<Record<VerdictClass, number>> = {
  'false-positive': 0,
  'benign-positive': 1,
  'needs-more-information': 2,
  'true-positive': 3,
};

/** The worse of two verdicts. */
export function worseVerdict(a: VerdictClass | null, b: VerdictClass): VerdictClass {
  return a !== null && VERDICT_RANK[a] >= VERDICT_RANK[b] ? a : b;
}

/**
 * Folds an observation into its group (undefined: not created yet). Pure, for `updateWithRetry`: returns undefined
 * when nothing changes. The alert is counted only on arrival, only if its membership says it was not counted yet
 * and it is not among the newest members (a concurrent or crashed-and-redelivered copy of the same arrival).
 */
export function applyObservation(current: CaseGroup | undefined, obs: GroupObservation, membership: GroupMembership): CaseGroup | undefined {
  const group: CaseGroup = current ?? {
    ...seedOf(membership.seed),
    count: 0,
    firstSeen: obs.at,
    lastSeen: obs.at,
    riskScore: null,
    riskLevel: null,
    verdict: null,
    memberIds: [],
  };
  let changed = current === undefined;
  if (obs.isArrival && !membership.counted && !group.memberIds.includes(obs.alertId)) {
    group.count += 1;
    group.memberIds = [obs.alertId, ...group.memberIds].slice(0, MAX_GROUP_MEMBERS);
    changed = true;
  }
  // Only arrivals move the span: a decision's time trails receipt by the pipeline's latency.
  if (obs.isArrival && Date.parse(obs.at) < Date.parse(group.firstSeen)) {
    group.firstSeen = obs.at;
    changed = true;
  }
  if (obs.isArrival && Date.parse(obs.at) > Date.parse(group.lastSeen)) {
    group.lastSeen = obs.at;
    changed = true;
  }
  if (obs.triage) {
    if (group.riskScore === null || obs.triage.score > group.riskScore) {
      group.riskScore = obs.triage.score;
      group.riskLevel = obs.triage.level;
      changed = true;
    }
    const verdict = worseVerdict(group.verdict, obs.triage.verdict);
    if (verdict !== group.verdict) {
      group.verdict = verdict;
      changed = true;
    }
  }
  return changed ? group : undefined;
}
