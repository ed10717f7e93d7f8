import { z } from 'zod';
import { ContainmentRunbook } from '../actions.ts';
import { defineEvent } from '../envelope.ts';
import { ContainmentTarget } from './containment-requested.v1.ts';

/** Emitted by containment when an approved undo ran (`undone`) or could not (`undo-failed`). Consumed by the case view. */
export const ContainmentUndoneV1 = defineEvent(
  'soc.containment.undone.v1',
  z.object({
    requestId: z.string(),
    alertId: z.string(),
    runbook: ContainmentRunbook,
    target: ContainmentTarget,
    outcome: z.enum(['undone', 'undo-failed']),
    approvedBy: z.string(),
    result: z.string().max(4096),
  }),
  'Emitted by containment when an approved undo ran or failed. Consumed by the case view.',
);
