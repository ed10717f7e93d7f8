import { DecisionMadeV1, type EventByType, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import { type InternalNetworks, capContainmentPerAlert } from '@soc/guardrails';
import type { Clock } from '@soc/runtime';
import { applyPolicy, boundDecision, fromCopilot, recommend } from './decide.ts';
import type { DecisionPolicy } from './policy.ts';

/** What the decision handler needs. */
export interface DecisionContext {
  policy: DecisionPolicy;
  clock: Clock;
  /** The platform's internal address ranges (`SOC_INTERNAL_NETWORKS`), which containment targets are checked against. */
  internalNetworks: InternalNetworks;
}

/** Pure: triaged alert in, decision with policy-checked actions out. Action ids derive from the triage event id. */
export function decide(event: EventByType<'soc.alert.triaged.v1'>, ctx: DecisionContext): EventByType<'soc.decision.made.v1'> {
  const input = { ...event.data, internalNetworks: ctx.internalNetworks };
  const { alert, triage } = input;
  const own = applyPolicy(recommend(alert, triage, ctx.policy, event.id), input, ctx.policy);
  // The copilot's advice is checked after the policy's own, so a suppression stands alone and duplicates are skipped.
  const suppressed = own.actions.some((a) => a.kind === 'Suppress');
  const ignored = (triage.copilot?.recommendedActions ?? []).map((r) => ({ kind: r.kind, reason: 'copilot recommendation not considered: the policy suppresses this alert' }));
  const advised = suppressed ? { actions: [], rejected: ignored } : applyPolicy(fromCopilot(input, own.actions, ctx.policy, event.id), input, ctx.policy, 'copilot');
  // The blast-radius cap counts the containments that passed every check, the policy's own first.
  const capped = capContainmentPerAlert([...own.actions, ...advised.actions], ctx.policy.containment);
  const { actions, rejected } = boundDecision(capped.kept, [...own.rejected, ...advised.rejected, ...capped.refused]);
  return causedBy(
    event,
    DecisionMadeV1,
    { alert, triage, policy: { id: ctx.policy.id, version: ctx.policy.version }, actions, rejected },
    { source: '/soc/decision', time: ctx.clock.now() },
  );
}

/** The bus handler of the decision service. */
export function makeDecisionHandler(ctx: DecisionContext): EventHandler {
  return dispatch('decision', { 'soc.alert.triaged.v1': (event) => ({ emit: [decide(event, ctx)] }) });
}
