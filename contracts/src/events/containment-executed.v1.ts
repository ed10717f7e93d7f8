import { z } from 'zod';
import { ContainmentRunbookV1 } from '../actions.ts';
import { defineEvent } from '../envelope.ts';
import { ContainmentTarget } from './containment-requested.v1.ts';

/** Emitted by containment after an approved runbook ran (or was simulated in dry-run). Consumed by the case view. */
export const ContainmentExecutedV1 = defineEvent(
  'soc.containment.executed.v1',
  z.object({
    requestId: z.string(),
    alertId: z.string(),
    runbook: ContainmentRunbookV1,
    target: ContainmentTarget,
    approvedBy: z.string(),
    dryRun: z.boolean(),
    result: z.string().max(4096),
  }),
  'Emitted by containment after an approved runbook ran (or was simulated in dry-run).',
);
