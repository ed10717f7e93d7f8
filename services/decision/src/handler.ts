import { DecisionMadeV1, type EventByType, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import type { Clock } from '@soc/runtime';
import { applyPolicy, boundDecision, fromCopilot, recommend } from './decide.ts';
import type { DecisionPolicy } from './policy.ts';

/** What the decision handler needs. */
export interface DecisionContext {
  policy: DecisionPolicy;
  clock: Clock;
}

/** Pure: triaged alert in, decision with policy-checked actions out. Action ids derive from the triage event id. */
export function decide(event: EventByType<'soc.alert.triaged.v1'>, ctx: DecisionContext): EventByType<'soc.decision.made.v1'> {
  const input = event.data;
  const { alert, triage } = input;
  const own = applyPolicy(recommend(alert, triage, ctx.policy, event.id), input, ctx.policy);
  // The copilot's advice is checked after the policy's own, so a suppression stands alone and duplicates are skipped.
  const suppressed = own.actions.some((a) => a.kind === 'Suppress');
  const ignored = (triage.copilot?.recommendedActions ?? []).map((r) => ({ kind: r.kind, reason: 'copilot recommendation not considered: the policy suppresses this alert' }));
  const advised = suppressed ? { actions: [], rejected: ignored } : applyPolicy(fromCopilot(input, own.actions, ctx.policy, event.id), input, ctx.policy, 'copilot');
  const { actions, rejected } = boundDecision([...own.actions, ...advised.actions], [...own.rejected, ...advised.rejected]);
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
