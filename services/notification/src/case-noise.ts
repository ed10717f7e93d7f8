import type { EntityType, Triage, VerdictClass } from '@soc/contracts';

type RiskLevel = Triage['risk']['level'];

/**
 * Noise control (issue 13 point 4): one e-mail and one card per case group (`caseGroupKey`, contracts). A pure
 * decider in the Emmett style: `decide(state, decision) → effects`, `evolve(state, effect) → state`; the handler
 * loads the group's document, performs the effects and writes the evolved state back with optimistic concurrency.
 */

/** The risk levels in rising order: a decision whose level is above every earlier one of its group escalates. */
const LEVELS: readonly RiskLevel[] = ['low', 'medium', 'high', 'critical'];
const rank = (level: RiskLevel): number => LEVELS.indexOf(level);

/** Decisions remembered per group for redelivery (a redelivered decision changes nothing). */
export const MAX_SEEN = 500;
/** Entities remembered per group (enough for a case; beyond this, new ones no longer escalate). */
export const MAX_ENTITIES = 200;

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

/** The group's document: one per (tenant, case group). */
export interface GroupState {
  groupKey: string;
  count: number;
  firstSeen: string;
  lastSeen: string;
  level: RiskLevel;
  truePositive: boolean;
  entities: string[];
  /** E-mails sent for the group: the next one's key is `<group>:email:<emails + 1>`. */
  emails: number;
  /** Card references by `<channel>/<destination>`, for updates in place. */
  cards: Record<string, string>;
  seen: string[];
}

/** Why a later decision of a group sends another e-mail. */
export type Escalation = { kind: 'severity'; from: RiskLevel; to: RiskLevel } | { kind: 'verdict' } | { kind: 'entity'; entities: string[] };

export type NoiseEffect =
  /** The decision joins the group (count, last seen, highest level, verdict, entities). */
  | { kind: 'Folded'; decision: GroupDecision }
  | { kind: 'SendEmail'; key: string; to: readonly string[]; reason: 'first' | 'escalation'; escalations: readonly Escalation[] }
  | { kind: 'PostCard'; key: string; channel: 'teams' | 'slack'; destination: string }
  | { kind: 'UpdateCard'; ref: string; channel: 'teams' | 'slack'; destination: string }
  /** The outcome of a PostCard, fed back with the transport's reference. */
  | { kind: 'CardPosted'; channel: 'teams' | 'slack'; destination: string; ref: string };

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

const cardTarget = (channel: string, destination: string) => `${channel}/${destination}`;

/** The effects of one decision on its group. A redelivered decision, or one without a group change, sends nothing. */
export function decide(state: GroupState | undefined, decision: GroupDecision): NoiseEffect[] {
  if (state?.seen.includes(decision.decisionKey)) return [];
  const effects: NoiseEffect[] = [{ kind: 'Folded', decision }];
  const escalations = escalationsOf(state, decision);
  const emails = state?.emails ?? 0;
  if (decision.emailTo && decision.emailTo.length > 0 && (emails === 0 || escalations.length > 0)) {
    effects.push({ kind: 'SendEmail', key: `${decision.groupKey}:email:${emails + 1}`, to: decision.emailTo, reason: emails === 0 ? 'first' : 'escalation', escalations });
  }
  for (const { channel, destination } of decision.chats) {
    const ref = state?.cards[cardTarget(channel, destination)];
    effects.push(ref ? { kind: 'UpdateCard', ref, channel, destination } : { kind: 'PostCard', key: `${decision.groupKey}:card:${cardTarget(channel, destination)}`, channel, destination });
  }
  return effects;
}

/** The group after an effect. */
export function evolve(state: GroupState | undefined, effect: NoiseEffect): GroupState | undefined {
  switch (effect.kind) {
    case 'Folded': {
      const d = effect.decision;
      const s: GroupState = state ?? { groupKey: d.groupKey, count: 0, firstSeen: d.at, lastSeen: d.at, level: d.level, truePositive: false, entities: [], emails: 0, cards: {}, seen: [] };
      const entities = [...new Set([...s.entities, ...d.entities])].slice(0, MAX_ENTITIES);
      return {
        ...s,
        count: s.count + 1,
        firstSeen: d.at < s.firstSeen ? d.at : s.firstSeen,
        lastSeen: d.at > s.lastSeen ? d.at : s.lastSeen,
        level: rank(d.level) > rank(s.level) ? d.level : s.level,
        truePositive: s.truePositive || d.verdict === 'true-positive',
        entities,
        seen: [...s.seen, d.decisionKey].slice(-MAX_SEEN),
      };
    }
    case 'SendEmail':
      return state && { ...state, emails: state.emails + 1 };
    case 'CardPosted':
      return state && { ...state, cards: { ...state.cards, [cardTarget(effect.channel, effect.destination)]: effect.ref } };
    case 'PostCard':
    case 'UpdateCard':
      return state;
  }
}
