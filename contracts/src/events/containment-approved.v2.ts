import { z } from 'zod';
import { defineEvent } from '../envelope.ts';
import { ApprovalRecord } from './containment-approved.v1.ts';

/**
 * Version 2 (issue 14): the approver's explicit confirmation that an irreversible runbook's effect cannot be undone
 * (`cannotBeUndone` on the request). Containment refuses an approval of such a runbook without it.
 */
export const ContainmentApprovedV2 = defineEvent(
  'soc.containment.approved.v2',
  ApprovalRecord.extend({ confirmedIrreversible: z.boolean().optional() }),
  'Emitted by the analyst API when a human approves a containment request (version 2: with the confirmation an irreversible runbook needs). Consumed by containment.',
);
