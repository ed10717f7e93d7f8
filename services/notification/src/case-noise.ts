import type { EntityType, Triage, VerdictClass } from '@soc/contracts';

type RiskLevel = Triage['risk']['level'];

/**
 * Noise control (issue 13 point 4): one e-mail and one card per case group (`caseGroupKey`, contracts). A pure
 * decider in the Emmett style, `decide(state, command) → events` and `evolve(state, event) → state`; the handler
 * loads the group's document, decides, writes the evolved state back with optimistic concurrency, and only then
 * performs what it reserved.
 *
 * **Intent first.** A send is reserved in the group's state (a pending intent owned by the decision that reserved
 * it) before anything leaves, and performed only by that decision's handler, after the reservation is stored. So the
 * e-mail under a key (`<group>:email:<n>`) always describes the alert whose decision reserved it, whatever order
 * concurrent decisions of a new group are handled in; a lost race at the conditional write has sent nothing. A crash
 * after the write and before (or during) the send leaves the intent pending: the redelivered decision finds its
 * decision already folded in, and performs its pending intents again (transports are idempotent by key). Done
 * intents are completed with a second conditional write (`Complete`), which also records a new card's reference.
 */

/** The risk levels in rising order: a decision whose level is above every earlier one of its group escalates. */
const LEVELS: readonly RiskLevel[] = ['low', 'medium', 'high', 'critical'];
const rank = (level: RiskLevel): number => LEVELS.indexOf(level);

/** Decisions remembered per group for redelivery (a redelivered decision changes nothing). */
export const MAX_SEEN = 500;
/** Entities remembered per group (enough for a case; beyond this, new ones no longer escalate). */
export const MAX_ENTITIES = 200;
/**
 * Pending intents kept per group. Each decision reserves at most one e-mail and one card action per chat destination,
 * and intents are completed right after; this bound is only reached when a transport has failed for a long time, and
 * then the oldest card updates (cosmetic: the next update carries the newest count) are dropped first.
 */
export const MAX_PENDING = 200;

/** What the decider reads of one decision: no attacker text, only keys, levels and the requested destinations. */
export interface GroupDecision {
  groupKey: string;
  /** Identifies the decision across redeliveries: alert id and revision. */
  decisionKey: string;
  at: string;
  level: RiskLevel;
  verdict: VerdictClass;
  /** Source-named entities as `type:id` (extracted ones are attacker text and never escalate). */
  entities: readonly string[];
  /** Recipients of the decision's SendEmail action, when it has one. */
  emailTo?: readonly string[];
  /** The decision's PostChat targets. */
  chats: readonly { channel: 'teams' | 'slack'; destination: string }[];
  /** The alert's id (the digest and escalation e-mails link to the group's latest alert's case). */
  alertId: string;
  /** The alert's title, as the group's name in a digest (attacker text: defanged on the way out). */
  title: string;
  /** The policy's digest window (SendEmail `digestMinutes`), when it has one. */
  digestMinutes?: number;
  /** The policy's escalation (decision `escalation`): whom to notify when the case stays unacknowledged. */
  escalation?: EscalationPlan;
}

/** Who is notified, after how long, when a case group stays unacknowledged. */
export interface EscalationPlan {
  afterMinutes: number;
  to?: readonly string[];
  chats?: readonly { channel: 'teams' | 'slack'; destination: string }[];
}

/** A timer of the group: the end of its digest window, or when its unacknowledged case escalates. */
export type Due = 'digest' | 'escalation';

/** Why a later decision of a group sends another e-mail. */
export type Escalation = { kind: 'severity'; from: RiskLevel; to: RiskLevel } | { kind: 'verdict' } | { kind: 'entity'; entities: string[] };

/** A send reserved by one decision and not yet done: only that decision's handler performs it. */
export type Intent =
  | { kind: 'email'; key: string; decisionKey: string; to: readonly string[]; reason: 'first' | 'escalation' | 'digest' | 'unacknowledged'; escalations: readonly Escalation[]; since?: number }
  /** A timer to publish (`soc.notification.due.v1` with `deliverat`). */
  | { kind: 'schedule'; key: string; decisionKey: string; due: Due; at: string }
  | { kind: 'post-card'; key: string; decisionKey: string; channel: 'teams' | 'slack'; destination: string; count: number }
  | { kind: 'update-card'; key: string; decisionKey: string; channel: 'teams' | 'slack'; destination: string; ref: string };

/** A chat card of the group: its reference once posted; while the post is pending, the key of the intent. */
export interface CardSlot {
  ref?: string;
  pending?: string;
}

/** The group's document: one per (tenant, case group). */
export interface GroupState {
  groupKey: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  level: RiskLevel;
  truePositive: boolean;
  entities: string[];
  /** E-mails reserved for the group: the next one's key is `<group>:email:<emails + 1>`. */
  emails: number;
  /** Cards by `<channel>/<destination>`, for updates in place. */
  cards: Record<string, CardSlot>;
  seen: string[];
  /** Reserved sends not yet done, oldest first. */
  pending: Intent[];
  /** The newest alert of the group and its title (a digest's link and name). */
  lastAlertId?: string;
  title?: string;
  /** Recipients of the group's last e-mail: a digest goes to them. */
  emailTo?: readonly string[];
  /** Alerts folded in since the last e-mail was reserved (what a digest sums up). */
  sinceEmail?: number;
  /** The digest window, and the end of the one running (its timer set). */
  digestMinutes?: number;
  digestDueAt?: string;
  /** The escalation plan of the group, when it is due, and whether it has fired. */
  escalation?: EscalationPlan & { dueAt?: string; fired?: boolean };
  /** An analyst acted on the case (a disposition): it no longer escalates. */
  acknowledged?: { by: string; at: string };
}

export type GroupCommand =
  /** A decision of the group asks for its e-mail and cards. */
  | { kind: 'Notify'; decision: GroupDecision }
  /** The handler performed a pending intent; `ref` is a posted card's reference. */
  | { kind: 'Complete'; key: string; ref?: string }
  /** A timer of the group is due; `key` identifies this timer (its owner in the pending intents). */
  | { kind: 'Due'; due: Due; at: string; key: string }
  /** An analyst acted on an alert of the group. */
  | { kind: 'Acknowledge'; by: string; at: string };

export type GroupEvent =
  /** The decision joins the group (count, last seen, highest level, verdict, entities). */
  | { kind: 'Folded'; decision: GroupDecision }
  | { kind: 'Reserved'; intent: Intent }
  | { kind: 'Completed'; key: string; ref?: string }
  /** The digest window ended with nothing to sum up: no timer runs until the next alert folds in. */
  | { kind: 'DigestIdle' }
  | { kind: 'EscalationFired' }
  | { kind: 'Acknowledged'; by: string; at: string };

/**
 * Escalations of `decision` over `state`, precisely: its risk level is above the group's highest so far; or its
 * verdict is true-positive and no earlier decision of the group's was; or it names (source-named) an entity of a
 * type in `ENTITY_TYPES_OF_NOTE` that the group has not seen. The first decision of a group escalates nothing.
 */
export function escalationsOf(state: GroupState | undefined, decision: GroupDecision): Escalation[] {
  if (!state) return [];
  const out: Escalation[] = [];
  if (rank(decision.level) > rank(state.level)) out.push({ kind: 'severity', from: state.level, to: decision.level });
  if (decision.verdict === 'true-positive' && !state.truePositive) out.push({ kind: 'verdict' });
  const known = new Set(state.entities);
  const fresh = decision.entities.filter((e) => !known.has(e) && ENTITY_TYPES_OF_NOTE.has(e.slice(0, e.indexOf(':')) as EntityType));
  if (fresh.length > 0 && state.entities.length < MAX_ENTITIES) out.push({ kind: 'entity', entities: fresh });
  return out;
}

/** Entities of note: the ones an analyst acts on. */
export const ENTITY_TYPES_OF_NOTE: ReadonlySet<EntityType> = new Set<EntityType>(['host', 'user', 'ip', 'hash', 'domain', 'url', 'mailbox', 'process', 'file']);

export const cardTarget = (channel: string, destination: string) => `${channel}/${destination}`;

/** The intents `decisionKey` has reserved and not yet done, in reservation order. */
export function pendingOf(state: GroupState | undefined, decisionKey: string): Intent[] {
  return state?.pending.filter((i) => i.decisionKey === decisionKey) ?? [];
}

/** The events of a command on the group. A redelivered decision, or a completion already recorded, changes nothing. */
export function decide(state: GroupState | undefined, command: GroupCommand): GroupEvent[] {
  switch (command.kind) {
    case 'Notify':
      return notify(state, command.decision);
    case 'Complete':
      return complete(state, command.key, command.ref);
    case 'Due':
      return command.due === 'digest' ? digestDue(state, command.at, command.key) : escalationDue(state, command.at, command.key);
    case 'Acknowledge':
      return !state || state.acknowledged ? [] : [{ kind: 'Acknowledged', by: command.by, at: command.at }];
  }
}

const plusMinutes = (at: string, minutes: number) => new Date(Date.parse(at) + minutes * 60_000).toISOString();

function notify(state: GroupState | undefined, decision: GroupDecision): GroupEvent[] {
  if (state?.seen.includes(decision.decisionKey)) return [];
  const events: GroupEvent[] = [{ kind: 'Folded', decision }];
  const escalations = escalationsOf(state, decision);
  const emails = state?.emails ?? 0;
  const { decisionKey } = decision;
  if (decision.emailTo && decision.emailTo.length > 0 && (emails === 0 || escalations.length > 0)) {
    const reason = emails === 0 ? 'first' : 'escalation';
    events.push({ kind: 'Reserved', intent: { kind: 'email', key: `${decision.groupKey}:email:${emails + 1}`, decisionKey, to: decision.emailTo, reason, escalations } });
  }
  for (const { channel, destination } of decision.chats) {
    const slot = state?.cards[cardTarget(channel, destination)];
    if (slot?.ref) {
      events.push({ kind: 'Reserved', intent: { kind: 'update-card', key: `${slot.ref}#${decisionKey}`, decisionKey, channel, destination, ref: slot.ref } });
    } else if (!slot?.pending) {
      // A card being posted by an earlier decision (its post pending) is refreshed by that decision once posted.
      events.push({ kind: 'Reserved', intent: { kind: 'post-card', key: `${decision.groupKey}:card:${cardTarget(channel, destination)}`, decisionKey, channel, destination, count: (state?.count ?? 0) + 1 } });
    }
  }
  // The digest window: runs from the group's first e-mail while alerts keep folding in (one timer at a time).
  const window = decision.digestMinutes ?? state?.digestMinutes;
  const mailed = emails > 0 || events.some((e) => e.kind === 'Reserved' && e.intent.kind === 'email');
  if (window !== undefined && mailed && !state?.digestDueAt) {
    const at = plusMinutes(decision.at, window);
    events.push({ kind: 'Reserved', intent: { kind: 'schedule', key: `${decision.groupKey}:due:digest:${at}`, decisionKey, due: 'digest', at } });
  }
  // The escalation of an unacknowledged case: set once, by the first decision that carries one.
  if (decision.escalation && !state?.escalation && !state?.acknowledged) {
    const at = plusMinutes(decision.at, decision.escalation.afterMinutes);
    events.push({ kind: 'Reserved', intent: { kind: 'schedule', key: `${decision.groupKey}:due:escalation:${at}`, decisionKey, due: 'escalation', at } });
  }
  return events;
}

/**
 * The end of a digest window: when alerts folded in since the last e-mail, one digest e-mail to the group's
 * recipients and the next window; otherwise the window closes quietly (the next alert opens one). A timer that is
 * not the group's current one (the group was forgotten and restarted) does nothing.
 */
function digestDue(state: GroupState | undefined, at: string, key: string): GroupEvent[] {
  if (!state || state.digestDueAt !== at) return [];
  if ((state.sinceEmail ?? 0) === 0 || !state.emailTo || state.emailTo.length === 0) return [{ kind: 'DigestIdle' }];
  const next = plusMinutes(at, state.digestMinutes ?? 60);
  return [
    { kind: 'Reserved', intent: { kind: 'email', key: `${state.groupKey}:email:${state.emails + 1}`, decisionKey: key, to: state.emailTo, reason: 'digest', escalations: [], since: state.sinceEmail ?? 0 } },
    { kind: 'Reserved', intent: { kind: 'schedule', key: `${state.groupKey}:due:digest:${next}`, decisionKey: key, due: 'digest', at: next } },
  ];
}

/**
 * An unacknowledged case's escalation: once, to the plan's next destinations (an e-mail, and a card on each chat
 * destination: posted, or updated when the group already has one there). Nothing when an analyst acknowledged it.
 */
function escalationDue(state: GroupState | undefined, at: string, key: string): GroupEvent[] {
  const plan = state?.escalation;
  if (!state || !plan || plan.dueAt !== at || plan.fired || state.acknowledged) return [];
  const events: GroupEvent[] = [{ kind: 'EscalationFired' }];
  if (plan.to && plan.to.length > 0) {
    events.push({ kind: 'Reserved', intent: { kind: 'email', key: `${state.groupKey}:email:${state.emails + 1}`, decisionKey: key, to: plan.to, reason: 'unacknowledged', escalations: [] } });
  }
  for (const { channel, destination } of plan.chats ?? []) {
    const slot = state.cards[cardTarget(channel, destination)];
    if (slot?.ref) events.push({ kind: 'Reserved', intent: { kind: 'update-card', key: `${slot.ref}#${key}`, decisionKey: key, channel, destination, ref: slot.ref } });
    else if (!slot?.pending) events.push({ kind: 'Reserved', intent: { kind: 'post-card', key: `${state.groupKey}:card:${cardTarget(channel, destination)}`, decisionKey: key, channel, destination, count: state.count } });
  }
  return events;
}

function complete(state: GroupState | undefined, key: string, ref: string | undefined): GroupEvent[] {
  const intent = state?.pending.find((i) => i.key === key);
  if (!state || !intent) return [];
  const events: GroupEvent[] = [{ kind: 'Completed', key, ...(ref !== undefined ? { ref } : {}) }];
  // Alerts folded in while the card's post was pending found no reference to update: the decision that posted it
  // refreshes it once, so the card shows the group's latest count.
  if (intent.kind === 'post-card' && ref !== undefined && state.count > intent.count) {
    const { decisionKey, channel, destination } = intent;
    events.push({ kind: 'Reserved', intent: { kind: 'update-card', key: `${ref}#${decisionKey}#${state.count}`, decisionKey, channel, destination, ref } });
  }
  return events;
}

/** The group after an event. */
export function evolve(state: GroupState | undefined, event: GroupEvent): GroupState | undefined {
  switch (event.kind) {
    case 'Folded': {
      const d = event.decision;
      const s: GroupState = state ?? { groupKey: d.groupKey, count: 0, firstSeen: d.at, lastSeen: d.at, level: d.level, truePositive: false, entities: [], emails: 0, cards: {}, seen: [], pending: [] };
      return {
        ...s,
        count: s.count + 1,
        firstSeen: d.at < s.firstSeen ? d.at : s.firstSeen,
        lastSeen: d.at > s.lastSeen ? d.at : s.lastSeen,
        level: rank(d.level) > rank(s.level) ? d.level : s.level,
        truePositive: s.truePositive || d.verdict === 'true-positive',
        entities: [...new Set([...s.entities, ...d.entities])].slice(0, MAX_ENTITIES),
        seen: [...s.seen, d.decisionKey].slice(-MAX_SEEN),
        lastAlertId: d.alertId,
        title: s.title ?? d.title.slice(0, 300),
        sinceEmail: (s.sinceEmail ?? 0) + 1,
        ...(d.digestMinutes !== undefined ? { digestMinutes: d.digestMinutes } : {}),
        ...(d.escalation && !s.escalation && !s.acknowledged ? { escalation: { ...d.escalation } } : {}),
      };
    }
    case 'DigestIdle':
      return state && { ...state, digestDueAt: undefined };
    case 'EscalationFired':
      return state?.escalation && { ...state, escalation: { ...state.escalation, fired: true } };
    case 'Acknowledged':
      return state && { ...state, acknowledged: { by: event.by, at: event.at } };
    case 'Reserved': {
      if (!state) return state;
      const { intent } = event;
      const cards = intent.kind === 'post-card' ? { ...state.cards, [cardTarget(intent.channel, intent.destination)]: { pending: intent.key } } : state.cards;
      const next: GroupState = { ...state, cards, pending: bounded([...state.pending, intent]) };
      if (intent.kind === 'email') {
        next.emails = state.emails + 1;
        next.sinceEmail = 0;
        if (intent.reason === 'first' || intent.reason === 'escalation') next.emailTo = intent.to;
      }
      if (intent.kind === 'schedule' && intent.due === 'digest') next.digestDueAt = intent.at;
      if (intent.kind === 'schedule' && intent.due === 'escalation' && state.escalation) next.escalation = { ...state.escalation, dueAt: intent.at };
      return next;
    }
    case 'Completed': {
      if (!state) return state;
      const intent = state.pending.find((i) => i.key === event.key);
      const pending = state.pending.filter((i) => i.key !== event.key);
      if (intent?.kind !== 'post-card') return { ...state, pending };
      const target = cardTarget(intent.channel, intent.destination);
      return { ...state, pending, cards: { ...state.cards, [target]: event.ref !== undefined ? { ref: event.ref } : {} } };
    }
  }
}

/** Keeps at most {@link MAX_PENDING} intents, dropping the oldest card updates first (never an e-mail or a post). */
function bounded(pending: Intent[]): Intent[] {
  let out = pending;
  while (out.length > MAX_PENDING) {
    const i = out.findIndex((p) => p.kind === 'update-card');
    if (i < 0) break;
    out = [...out.slice(0, i), ...out.slice(i + 1)];
  }
  return out;
}

/** The state a command leads to (the decider's events applied in order). */
export function apply(state: GroupState | undefined, events: readonly GroupEvent[]): GroupState | undefined {
  return events.reduce<GroupState | undefined>(evolve, state);
}
