import { z } from 'zod';
import { defineEvent } from '../envelope.ts';
import { BindingHash } from './containment-requested.v1.ts';

/** Emitted by the analyst API when an approver approves or denies an undo. Consumed by containment, which runs an approved one. */
export const ContainmentUndoDecidedV1 = defineEvent(
  'soc.containment.undo-decided.v1',
  z.object({
    requestId: z.string(),
    alertId: z.string(),
    decision: z.enum(['approved', 'denied']),
    approver: z.string().min(1).max(256),
    decidedAt: z.iso.datetime({ offset: true }),
    comment: z.string().max(4096).default(''),
    /** The undo's own binding hash (never the action's): required to approve. */
    bindingHash: BindingHash.optional(),
  }),
  'Emitted by the analyst API when an approver approves or denies the undo of a containment. Consumed by containment.',
);
