import { z } from 'zod';
import { ContainmentRunbook } from '../actions.ts';
import { defineEvent } from '../envelope.ts';
import { ContainmentExecutedV1 } from './containment-executed.v1.ts';

/**
 * Version 2 (issue 14): every runbook, and what a real execution changed as the API named it (machine and action
 * ids, an indicator, a rule name): the record verify and undo work from. Never a secret.
 */
export const ContainmentExecutedV2 = defineEvent(
  'soc.containment.executed.v2',
  ContainmentExecutedV1.data.extend({
    runbook: ContainmentRunbook,
    effect: z.record(z.string().max(64), z.string().max(1024)).optional(),
  }),
  'Emitted by containment after an approved runbook ran (or was simulated in dry-run); version 2 names what it changed.',
);
