import { z } from 'zod';
import { ActionV1, EscalateAction } from '../actions.ts';
import { Alert } from '../alert.ts';
import { Enrichment, Triage } from '../triage.ts';
import { defineEvent } from '../envelope.ts';

/** Emitted by decision with the actions the policy allowed. Consumed by notification, ticketing and containment. */
export const DecisionMadeV1 = defineEvent(
  'soc.decision.made.v1',
  z.object({
    alert: Alert,
    triage: Triage,
    /**
     * The enrichment the decision checked its actions against (asset tags, inventory coverage, missing sources): the
     * containment service re-checks a request with it, under the current policy, just before the runbook runs.
     * Absent from decisions made before it was added; containment then refuses to run (fail closed).
     */
    enrichment: Enrichment.optional(),
    policy: z.object({ id: z.string(), version: z.string() }),
    actions: z.array(ActionV1).max(32),
    /** Recommended actions the policy refused, each with why. */
    rejected: z.array(z.object({ kind: z.string(), reason: z.string().max(1024) })).default([]),
    /**
     * The policy's escalation for this alert's route and level, when it has one: re-notify these destinations if
     * the case group is not acknowledged in time. Policy-only (see `EscalateAction`); absent from decisions made
     * before it was added and whenever no escalation applies.
     */
    escalation: EscalateAction.optional(),
  }),
  'Emitted by decision with the actions the policy allowed. Consumed by notification, ticketing and containment.',
);
