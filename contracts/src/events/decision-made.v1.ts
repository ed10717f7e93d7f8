import { z } from 'zod';
import { Action } from '../actions.ts';
import { Alert } from '../alert.ts';
import { defineEvent } from '../envelope.ts';
import { Triage } from '../triage.ts';

/** Emitted by decision with the actions the policy allowed. Consumed by notification, ticketing and containment. */
export const DecisionMadeV1 = defineEvent(
  'soc.decision.made.v1',
  z.object({
    alert: Alert,
    triage: Triage,
    policy: z.object({ id: z.string(), version: z.string() }),
    actions: z.array(Action).max(32),
    /** Recommended actions the policy refused, each with why. */
    rejected: z.array(z.object({ kind: z.string(), reason: z.string().max(1024) })).default([]),
  }),
  'Emitted by decision with the actions the policy allowed. Consumed by notification, ticketing and containment.',
);
