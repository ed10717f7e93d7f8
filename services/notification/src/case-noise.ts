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
}

/** Why a later decision of a group sends another e-mail. */
export type Escalation = { kind: 'severity'; from: RiskLevel; to: RiskLevel } | { kind: 'verdict' } | { kind: 'entity'; entities: string[] };

/** A send reserved by one decision and not yet done: only that decision's handler performs it. */
export type Intent =
  | { kind: 'email'; key: string; decisionKey: string; to: readonly string[]; reason: 'first' | 'escalation'; escalations: readonly Escalation[] }
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
}

export type GroupCommand =
  /** A decision of the group asks for its e-mail and cards. */
  | { kind: 'Notify'; decision: GroupDecision }
  /** The handler performed a pending intent; `ref` is a posted card's reference. */
  | { kind: 'Complete'; key: string; ref?: string };

export type GroupEvent =
  /** The decision joins the group (count, last seen, highest level, verdict, entities). */
  | { kind: 'Folded'; decision: GroupDecision }
  | { kind: 'Reserved'; intent: Intent }
  | { kind: 'Completed'; key: string; ref?: string };

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
  return command.kind === 'Notify' ? notify(state, command.decision) : complete(state, command.key, command.ref);
}

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
      };
    }
    case 'Reserved': {
      if (!state) return state;
      const { intent } = event;
      const cards = intent.kind === 'post-card' ? { ...state.cards, [cardTarget(intent.channel, intent.destination)]: { pending: intent.key } } : state.cards;
      return { ...state, emails: state.emails + (intent.kind === 'email' ? 1 : 0), cards, pending: bounded([...state.pending, intent]) };
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
