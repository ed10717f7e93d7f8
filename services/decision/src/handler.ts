import { DecisionMadeV1, type EventByType, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import type { Clock } from '@soc/runtime';
import { applyPolicy, recommend } from './decide.ts';
import type { DecisionPolicy } from './policy.ts';

/** What the decision handler needs. */
export interface DecisionContext {
  policy: DecisionPolicy;
  clock: Clock;
}

/** Pure: triaged alert in, decision with policy-checked actions out. Action ids derive from the triage event id. */
export function decide(event: EventByType<'soc.alert.triaged.v1'>, ctx: DecisionContext): EventByType<'soc.decision.made.v1'> {
  const { alert, triage } = event.data;
  const { actions, rejected } = applyPolicy(recommend(alert, triage, ctx.policy, event.id), alert, triage, ctx.policy);
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
