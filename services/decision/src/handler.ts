import type { AuditEntry, AuditTrail } from '@soc/audit';
import { DecisionMadeV2, type EventByType, causedBy } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import { type InternalNetworks, capContainmentPerAlert } from '@soc/guardrails';
import type { Clock } from '@soc/runtime';
import { applyPolicy, boundDecision, escalationOf, fromCopilot, recommend } from './decide.ts';
import type { DecisionPolicy } from './policy.ts';

/** What the decision handler needs. */
export interface DecisionContext {
  policy: DecisionPolicy;
  clock: Clock;
  /** The platform's internal address ranges (`SOC_INTERNAL_NETWORKS`), which containment targets are checked against. */
  internalNetworks: InternalNetworks;
}

/** Pure: triaged alert in, decision with policy-checked actions out. Action ids derive from the triage event id. */
export function decide(event: EventByType<'soc.alert.triaged.v1'>, ctx: DecisionContext): EventByType<'soc.decision.made.v2'> {
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
  // Escalation is the policy's alone (no copilot path leads to it), and a suppressed alert is not escalated.
  const escalation = suppressed ? undefined : escalationOf(input, ctx.policy, event.id);
  return causedBy(
    event,
    DecisionMadeV2,
    {
      alert,
      triage,
      // Containment re-checks a request against the facts it was decided on, so they travel with a containment.
      ...(actions.some((a) => a.kind === 'RunContainment') ? { enrichment: event.data.enrichment } : {}),
      policy: { id: ctx.policy.id, version: ctx.policy.version },
      actions,
      rejected,
      ...(escalation === undefined ? {} : { escalation }),
    },
    { source: '/soc/decision', time: ctx.clock.now() },
  );
}

/** What the decision handler needs besides the pure context: the audit trail every decision is recorded in. */
export interface DecisionHandlerDeps extends DecisionContext {
  audit: AuditTrail;
}

/**
 * The audit record of a decision: what was decided about which alert under which policy, by ids only (never the
 * alert's text, which the sender wrote).
 */
export function decisionAuditEntry(made: EventByType<'soc.decision.made.v2'>): AuditEntry {
  const { alert, policy, actions, rejected, escalation } = made.data;
  return {
    kind: 'decision.made',
    actor: 'decision',
    subject: alert.alertId,
    tenantId: alert.tenantId,
    data: {
      decisionEventId: made.id,
      correlationId: made.correlationid,
      policyId: policy.id,
      policyVersion: policy.version,
      actions: [...actions, ...(escalation === undefined ? [] : [escalation])].map((a) => ({ kind: a.kind, id: a.actionId })),
      refusals: rejected.length,
    },
  };
}

/**
 * The bus handler of the decision service. A decision is recorded in the audit trail before it is published: if
 * the record cannot be written the handler throws (retryable as the store says), so the bus retries and no
 * decision is ever published unaudited. A redelivery records the decision again under the same `decisionEventId`.
 */
export function makeDecisionHandler(deps: DecisionHandlerDeps): EventHandler {
  return dispatch('decision', {
    'soc.alert.triaged.v1': async (event) => {
      const made = decide(event, deps);
      await deps.audit.append(decisionAuditEntry(made));
      return { emit: [made] };
    },
  });
}
