import { z } from 'zod';
import { ContainmentRunbookV1 } from '../actions.ts';
import { defineEvent } from '../envelope.ts';
import { ContainmentTarget } from './containment-requested.v1.ts';

/** Emitted by containment when an approved runbook could not complete. Consumed by the case view. */
export const ContainmentFailedV1 = defineEvent(
  'soc.containment.failed.v1',
  z.object({
    requestId: z.string(),
    alertId: z.string(),
    runbook: ContainmentRunbookV1,
    target: ContainmentTarget,
    error: z.string().max(4096),
  }),
  'Emitted by containment when an approved runbook could not complete.',
);
