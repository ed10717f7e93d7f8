import type { Action, Alert, ContainmentRunbook, CopilotRecommendation, EscalateAction, Enrichment, Triage } from '@soc/contracts';
import { MAX_DECISION_ACTIONS_BYTES, clipText, deriveKey, jsonBytes } from '@soc/contracts';
import { type InternalNetworks, containmentRefusal } from '@soc/guardrails';
import { type DecisionPolicy, type EscalationPolicy, type Level, type RoutePolicy, atLeast } from './policy.ts';

/** An action before the policy has checked it; the recommender (or the LLM) proposes, the policy disposes. */
export type Recommendation = Action;

/** The policy's arguments for `runbook` (issue 14), as an action carries them: absent when it sets none. */
function argumentsOf(policy: DecisionPolicy, runbook: ContainmentRunbook): { arguments?: Record<string, string> } {
  const args = policy.containment.runbookArguments[runbook];
  return args !== undefined && Object.keys(args).length > 0 ? { arguments: { ...args } } : {};
}

/** A refused recommendation and why. */
export interface Rejection {
  kind: string;
  reason: string;
}

/** What a decision is made on: the triaged alert with its enrichment facts. */
export interface DecisionInput {
  alert: Alert;
  enrichment: Enrichment;
  triage: Triage;
}

/** A decision input with what the guardrails check it against: the platform's internal address ranges. */
export interface CheckInput extends DecisionInput {
  internalNetworks: InternalNetworks;
}

/** Who proposed an action: the policy's own recommender, or the LLM copilot (which may never suppress). */
export type Origin = 'policy' | 'copilot';

const actionId = (decisionKey: string, ...parts: string[]): string => `act-${deriveKey(decisionKey, ...parts)}`;

/** Where an alert's notifications go: the first matching route's destinations, or the policy's defaults. */
export interface Routing {
  /** The route that matched (its 0-based index and name), or undefined: the defaults apply. */
  readonly route: { readonly index: number; readonly name: string | undefined } | undefined;
  readonly emailTo: readonly string[];
  readonly chat: DecisionPolicy['chat']['destinations'];
  /** The route's escalation, else the policy's global one. */
  readonly escalation: EscalationPolicy | undefined;
}

/**
 * True when an alert at `level` matches a route: every criterion it gives holds (tenant, rule id or name, level). The
 * alert only selects among destinations the policy names, so a sender who controls its rule name can route it to no
 * address of their own.
 */
export function routeMatches(route: RoutePolicy, alert: Alert, level: Level): boolean {
  const { tenants, rules, minLevel } = route.match;
  if (tenants !== undefined && !tenants.includes(alert.tenantId)) return false;
  if (rules !== undefined && !rules.some((r) => r === alert.rule?.id || r === alert.rule?.name)) return false;
  return minLevel === undefined || atLeast(level, minLevel);
}

/** The routing of an alert at `level`: the first matching route wins; a channel it leaves out keeps the default. Pure. */
export function routeOf(alert: Alert, level: Level, policy: DecisionPolicy): Routing {
  const index = policy.routes?.findIndex((r) => routeMatches(r, alert, level)) ?? -1;
  const route = index >= 0 ? policy.routes?.[index] : undefined;
  const names = route?.chat;
  return {
    route: route === undefined ? undefined : { index, name: route.name },
    emailTo: route?.email?.to ?? policy.email.to,
    chat: names === undefined ? policy.chat.destinations : policy.chat.destinations.filter((d) => names.includes(d.name)),
    escalation: route?.escalation ?? policy.escalation,
  };
}

/** How a reason names the route: ` (route 2 "contoso-critical")`, or nothing for the defaults. */
const routeNote = (routing: Routing): string =>
  routing.route === undefined ? '' : ` (route ${routing.route.index + 1}${routing.route.name === undefined ? '' : ` "${routing.route.name}"`})`;

/**
 * The policy's escalation for this alert, if its routing has one and the risk reaches its level. Only the policy
 * makes it (there is no copilot path to it: `EscalateAction` is not a recommendable `Action`). Pure.
 */
export function escalationOf(input: DecisionInput, policy: DecisionPolicy, decisionKey: string): EscalateAction | undefined {
  const level = input.triage.risk.level;
  const routing = routeOf(input.alert, level, policy);
  const e = routing.escalation;
  if (e === undefined || !atLeast(level, e.minLevel)) return undefined;
  const chat = (e.chat ?? []).flatMap((name) => policy.chat.destinations.filter((d) => d.name === name).map((d) => ({ channel: d.channel, destination: d.name })));
  return {
    kind: 'Escalate',
    actionId: actionId(decisionKey, 'escalate'),
    afterMinutes: e.afterMinutes,
    ...(e.email === undefined ? {} : { email: { to: e.email.to } }),
    ...(chat.length === 0 ? {} : { chat }),
    reason: `Risk ${level} (escalation from ${e.minLevel}): re-notify if the case is not acknowledged within ${e.afterMinutes} min${routeNote(routing)}`,
  };
}

/** Deterministic recommendations from the triage, the policy's defaults and the alert's route. Pure. */
export function recommend(alert: Alert, triage: Triage, policy: DecisionPolicy, decisionKey: string): Recommendation[] {
  const level = triage.risk.level;
  const routing = routeOf(alert, level, policy);
  const routed = `Risk ${level}${routeNote(routing)}`;
  const recs: Recommendation[] = [];
  const { verdict } = triage;
  const suppressLikelihood =
    verdict.class === 'false-positive' ? verdict.likelihoods.falsePositive : verdict.class === 'benign-positive' ? verdict.likelihoods.benignPositive : 0;
  if (policy.suppress.verdicts.includes(verdict.class) && suppressLikelihood >= policy.suppress.minLikelihood) {
    return [{ kind: 'Suppress', actionId: actionId(decisionKey, 'suppress'), reason: `Verdict ${verdict.class} at ${suppressLikelihood}` }];
  }
  if (policy.email.enabled && atLeast(level, policy.email.minLevel) && routing.emailTo.length > 0) {
    recs.push({ kind: 'SendEmail', actionId: actionId(decisionKey, 'email'), to: [...routing.emailTo], template: 'alert-summary', reason: routed, ...digestOf(policy) });
  }
  if (policy.chat.enabled && atLeast(level, policy.chat.minLevel)) {
    for (const d of routing.chat) {
      recs.push({ kind: 'PostChat', actionId: actionId(decisionKey, 'chat', d.name), channel: d.channel, destination: d.name, reason: routed });
    }
  }
  if (policy.ticket.enabled && atLeast(level, policy.ticket.minLevel)) {
    recs.push({
      kind: 'CreateTicket',
      actionId: actionId(decisionKey, 'ticket'),
      system: policy.ticket.system,
      priority: policy.ticket.priorityByLevel[level] ?? 3,
      reason: `Risk ${level}`,
    });
  }
  if (policy.hunt.enabled && atLeast(level, policy.hunt.minLevel) && alert.entities.length > 0) {
    recs.push({ kind: 'GenerateHunt', actionId: actionId(decisionKey, 'hunt'), entityIds: alert.entities.slice(0, 50).map((e) => e.id), reason: `Risk ${level}` });
  }
  if (policy.containment.enabled && atLeast(level, policy.containment.minLevel) && verdict.likelihoods.truePositive >= policy.containment.minTruePositive) {
    for (const e of alert.entities) {
      const runbook = policy.containment.runbookByEntity[e.type as keyof DecisionPolicy['containment']['runbookByEntity']];
      if (!runbook) continue;
      recs.push({
        kind: 'RunContainment',
        actionId: actionId(decisionKey, 'contain', runbook, e.id),
        runbook,
        target: { entityId: e.id, type: e.type, value: e.value },
        ...argumentsOf(policy, runbook),
        requiresApproval: true,
        reason: `Risk ${level}, true positive ${verdict.likelihoods.truePositive}`,
      });
    }
  }
  return recs;
}

/**
 * Checks one recommended action against the policy and the alert. Returns the reason to refuse it, or
 * undefined. This is the guardrail: whatever recommended the action, it must pass here. Containment targets are
 * checked by `@soc/guardrails`' `containmentRefusal`, the same pure check the containment service repeats before a
 * runbook runs.
 */
export function refusalOf(action: Recommendation, input: CheckInput, policy: DecisionPolicy, origin: Origin = 'policy'): string | undefined {
  const { alert, triage } = input;
  const level = triage.risk.level;
  switch (action.kind) {
    case 'SendEmail': {
      if (!policy.email.enabled) return 'email is disabled by policy';
      if (!atLeast(level, policy.email.minLevel)) return `risk ${level} is below the email threshold ${policy.email.minLevel}`;
      const outside = action.to.filter((to) => !policy.email.allowedDomains.some((d) => to.toLowerCase().endsWith(`@${d.toLowerCase()}`)));
      return outside.length > 0 ? `recipients outside the allowed domains: ${outside.join(', ')}` : undefined;
    }
    case 'PostChat': {
      if (!policy.chat.enabled) return 'chat is disabled by policy';
      if (!atLeast(level, policy.chat.minLevel)) return `risk ${level} is below the chat threshold ${policy.chat.minLevel}`;
      const known = policy.chat.destinations.some((d) => d.name === action.destination && d.channel === action.channel);
      return known ? undefined : `chat destination ${action.channel}:${action.destination} is not configured`;
    }
    case 'CreateTicket':
      if (!policy.ticket.enabled) return 'ticketing is disabled by policy';
      if (action.system !== policy.ticket.system) return `ticket system ${action.system} is not the configured ${policy.ticket.system}`;
      return atLeast(level, policy.ticket.minLevel) ? undefined : `risk ${level} is below the ticket threshold ${policy.ticket.minLevel}`;
    case 'RunContainment': {
      if (!policy.containment.enabled) return 'containment is disabled by policy';
      if (!atLeast(level, policy.containment.minLevel)) return `risk ${level} is below the containment threshold ${policy.containment.minLevel}`;
      const tp = triage.verdict.likelihoods.truePositive;
      if (tp < policy.containment.minTruePositive) return `true-positive likelihood ${tp} is below the containment threshold ${policy.containment.minTruePositive}`;
      if (!alert.entities.some((e) => e.id === action.target.entityId)) return `target ${action.target.entityId} is not an entity of this alert${groupNote(input, origin)}`;
      return containmentRefusal(action, input, policy.containment);
    }
    case 'GenerateHunt': {
      if (!policy.hunt.enabled) return 'hunting is disabled by policy';
      const unknown = action.entityIds.filter((id) => !alert.entities.some((e) => e.id === id));
      return unknown.length > 0 ? `unknown entities: ${unknown.join(', ')}${groupNote(input, origin)}` : undefined;
    }
    case 'Suppress':
      if (origin === 'copilot') return 'the copilot may not suppress: suppression follows the deterministic verdict';
      return policy.suppress.verdicts.includes(triage.verdict.class) ? undefined : `verdict ${triage.verdict.class} may not be suppressed`;
  }
}

/** Cached advice was written for an earlier alert of the case group: a refusal of its unknown entities says so. */
const groupNote = (input: DecisionInput, origin: Origin): string =>
  origin === 'copilot' && input.triage.copilot?.status === 'cached'
    ? ' (the advice is cached from an earlier alert of its case group and names that alert\'s entities)'
    : '';

/**
 * The copilot's recommendations as actions of the contract, with every destination, recipient and ticket system
 * taken from the policy (the model only names a kind, a runbook and entity ids of the case), skipping those the
 * policy already recommends. They then pass `refusalOf` like any other. Pure.
 */
export function fromCopilot(input: DecisionInput, own: readonly Action[], policy: DecisionPolicy, decisionKey: string): Recommendation[] {
  const advice = input.triage.copilot;
  if (!policy.copilot.acceptRecommendations || advice === undefined || advice.status === 'skipped' || advice.status === 'failed') return [];
  const out: Recommendation[] = [];
  for (const rec of advice.recommendedActions) {
    for (const action of copilotActions(rec, input, policy, decisionKey, own)) {
      if (!out.some((a) => a.actionId === action.actionId)) out.push(action);
    }
  }
  return out;
}

/** How a copilot action's reason starts: whose advice it is (cached advice is the case group's, not this alert's). */
const copilotPrefix = (input: DecisionInput): string =>
  input.triage.copilot?.status === 'cached' ? "Copilot (the case group's cached advice, re-checked for this alert): " : 'Copilot: ';

function copilotActions(
  rec: CopilotRecommendation,
  input: DecisionInput,
  policy: DecisionPolicy,
  decisionKey: string,
  own: readonly Action[],
): Recommendation[] {
  // Chat goes to the alert's routed destinations, as the policy's own post does; the model names none.
  if (rec.kind === 'PostChat') {
    if (own.some((a) => a.kind === 'PostChat')) return [];
    const reason = `${copilotPrefix(input)}${rec.reason}`.slice(0, 1024);
    return routeOf(input.alert, input.triage.risk.level, policy).chat.map((d) => ({ kind: 'PostChat', actionId: actionId(decisionKey, 'copilot', 'chat', d.name), channel: d.channel, destination: d.name, reason }));
  }
  const action = copilotAction(rec, input, policy, decisionKey, own);
  return action === undefined ? [] : [action];
}

function copilotAction(
  rec: Exclude<CopilotRecommendation, { kind: 'PostChat' }>,
  input: DecisionInput,
  policy: DecisionPolicy,
  decisionKey: string,
  own: readonly Action[],
): Recommendation | undefined {
  const { alert } = input;
  const has = (kind: Action['kind']) => own.some((a) => a.kind === kind);
  const reason = clipText(`${copilotPrefix(input)}${rec.reason}`, 1024);
  const id = (...parts: string[]) => actionId(decisionKey, 'copilot', ...parts);
  switch (rec.kind) {
    case 'RunContainment': {
      const target = alert.entities.find((e) => e.id === rec.target);
      // An unknown target stays unknown (and is refused as such) rather than being silently dropped.
      const value = target?.value ?? rec.target;
      const type = target?.type ?? 'unknown';
      if (own.some((a) => a.kind === 'RunContainment' && a.runbook === rec.runbook && a.target.entityId === rec.target)) return undefined;
      return { kind: 'RunContainment', actionId: id('contain', rec.runbook, rec.target), runbook: rec.runbook, target: { entityId: rec.target, type, value }, ...argumentsOf(policy, rec.runbook), requiresApproval: true, reason };
    }
    case 'GenerateHunt':
      return has('GenerateHunt') ? undefined : { kind: 'GenerateHunt', actionId: id('hunt'), entityIds: rec.entityIds, reason };
    case 'CreateTicket': {
      if (has('CreateTicket')) return undefined;
      // The priority is the policy's for the risk level: the model can neither raise nor lower it.
      const level = input.triage.risk.level;
      const priority = policy.ticket.priorityByLevel[level] ?? 3;
      const note = rec.priority === priority ? '' : `; priority ${priority} is the policy's for risk ${level}, not the model's ${rec.priority}`;
      return { kind: 'CreateTicket', actionId: id('ticket'), system: policy.ticket.system, priority, reason: clipText(`${copilotPrefix(input)}${clipText(rec.reason, 900)}${note}`, 1024) };
    }
    case 'SendEmail': {
      // The recipients are the alert's route's (or the defaults), never the model's.
      const to = routeOf(alert, input.triage.risk.level, policy).emailTo;
      return has('SendEmail') || to.length === 0 ? undefined : { kind: 'SendEmail', actionId: id('email'), to: [...to], template: 'alert-summary', reason, ...digestOf(policy) };
    }
    case 'Suppress':
      return { kind: 'Suppress', actionId: id('suppress'), reason };
  }
}

/** Splits recommendations into the allowed actions and the refusals; a copilot refusal says so. Pure. */
export function applyPolicy(
  recommendations: readonly Recommendation[],
  input: CheckInput,
  policy: DecisionPolicy,
  origin: Origin = 'policy',
): { actions: Action[]; rejected: Rejection[] } {
  const actions: Action[] = [];
  const rejected: Rejection[] = [];
  for (const rec of recommendations) {
    const refusal = refusalOf(rec, input, policy, origin);
    // A refusal may quote an entity value of any length: it is text for people, cut to the contract's limit.
    if (refusal) rejected.push({ kind: rec.kind, reason: clipText(origin === 'copilot' ? `copilot recommendation refused: ${refusal}` : refusal, 1024) });
    else actions.push(rec);
  }
  return { actions, rejected };
}

/** Most actions one decision may hold (the contract's limit). */
const MAX_ACTIONS = 32;
/** Most refusals listed one by one; the rest are counted in one line. */
const MAX_REJECTIONS = 32;
/** Actions and refusals each get half of a decision's share of the bus budget. */
const HALF_BUDGET = MAX_DECISION_ACTIONS_BYTES / 2;

/**
 * Bounds a decision's actions to the contract's count and, with its refusals, to {@link MAX_DECISION_ACTIONS_BYTES}
 * (an alert of 500 entities would otherwise propose an action per entity): actions are kept in the order they
 * were recommended (the policy's notifications and ticket first) within half the budget, the ones past it are
 * listed as refused with the reason; refusals are listed within the other half and at most {@link MAX_REJECTIONS},
 * the rest counted in one line — never dropped silently. Pure.
 */
export function boundDecision(actions: readonly Action[], rejected: readonly Rejection[]): { actions: Action[]; rejected: Rejection[] } {
  const kept: Action[] = [];
  const overflow: Rejection[] = [];
  let budget = HALF_BUDGET;
  for (const action of actions) {
    const size = jsonBytes(action) + 1;
    if (kept.length < MAX_ACTIONS && size <= budget) {
      kept.push(action);
      budget -= size;
    } else overflow.push({ kind: action.kind, reason: `not carried out: one decision holds at most ${MAX_ACTIONS} actions (${HALF_BUDGET / 1024} KiB); act on the rest by hand` });
  }
  const all = [...rejected, ...overflow];
  // Room for the summary line (its kind and reason are cut to 128 and 1024 characters, at most 4 bytes each).
  let room = HALF_BUDGET - 4 * (128 + 1024) - 64;
  let listed = 0;
  while (listed < all.length && listed < MAX_REJECTIONS - 1 && room - (jsonBytes(all[listed]) + 1) >= 0) room -= jsonBytes(all[listed++]) + 1;
  if (listed === all.length) return { actions: kept, rejected: all };
  const rest = all.slice(listed);
  const kinds = [...new Set(rest.map((r) => r.kind))].join(', ');
  return { actions: kept, rejected: [...all.slice(0, listed), { kind: clipText(kinds, 128), reason: clipText(`${rest.length} more refusal(s) not listed (${kinds}); the first: ${rest[0]?.reason ?? ''}`, 1024) }] };
}

/** The policy's digest window, carried on each SendEmail so notification applies the policy it was decided under. */
function digestOf(policy: DecisionPolicy): { digestMinutes?: number } {
  return policy.email.digestMinutes === undefined ? {} : { digestMinutes: policy.email.digestMinutes };
}
