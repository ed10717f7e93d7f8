import { z } from 'zod';
import { ContainmentRunbook, RunbookArguments } from '../actions.ts';
import { defineEvent } from '../envelope.ts';
import { ContainmentRequestedV1 } from './containment-requested.v1.ts';

/**
 * Version 2 (issue 14): every runbook, its arguments, and what the approver must know before approving: whether the
 * action can be undone, and what cannot be (an irreversible runbook's approval must confirm it explicitly).
 */
export const ContainmentRequestedV2 = defineEvent(
  'soc.containment.requested.v2',
  ContainmentRequestedV1.data.extend({
    runbook: ContainmentRunbook,
    arguments: RunbookArguments.optional(),
    /** Whether an undo can put things back; absent on requests upcast from version 1. */
    reversible: z.boolean().optional(),
    /** What cannot be undone, said to the approver; an approval must then confirm it (`confirmIrreversible`). */
    cannotBeUndone: z.string().max(1024).optional(),
  }),
  'Emitted by containment when a policy-allowed containment awaits a human approval (version 2: every runbook, its arguments, reversibility).',
);
