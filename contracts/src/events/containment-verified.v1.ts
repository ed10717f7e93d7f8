import { z } from 'zod';
import { ContainmentRunbook } from '../actions.ts';
import { defineEvent } from '../envelope.ts';
import { ContainmentTarget } from './containment-requested.v1.ts';

/**
 * Emitted by containment when it has checked that a real execution took effect (`in-effect`: the request is done)
 * or that it did not (`not-in-effect`: the request failed). `finding` is what the API answered. Consumed by the case view.
 */
export const ContainmentVerifiedV1 = defineEvent(
  'soc.containment.verified.v1',
  z.object({
    requestId: z.string(),
    alertId: z.string(),
    runbook: ContainmentRunbook,
    target: ContainmentTarget,
    outcome: z.enum(['in-effect', 'not-in-effect']),
    finding: z.string().max(4096),
  }),
  'Emitted by containment when a real execution was checked: in effect (done) or not (failed). Consumed by the case view.',
);
