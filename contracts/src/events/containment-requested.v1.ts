import { z } from 'zod';
import { ContainmentRunbookV1 } from '../actions.ts';
import { MAX_ENTITY_VALUE_LENGTH } from '../alert.ts';
import { defineEvent } from '../envelope.ts';

/** The hash an approval is bound to: 64 lower-case hex digits of a SHA-256. */
export const BindingHash = z.string().regex(/^[0-9a-f]{64}$/);

/** Containment target as recorded on a request. */
export const ContainmentTarget = z.object({ entityId: z.string().min(1), type: z.string().min(1), value: z.string().min(1).max(MAX_ENTITY_VALUE_LENGTH) });

/** Emitted by containment when a policy-allowed containment awaits a human approval. Consumed by the case view and approvers. */
export const ContainmentRequestedV1 = defineEvent(
  'soc.containment.requested.v1',
  z.object({
    requestId: z.string(),
    alertId: z.string(),
    actionId: z.string(),
    runbook: ContainmentRunbookV1,
    target: ContainmentTarget,
    reason: z.string().max(1024),
    status: z.literal('pending-approval'),
    expiresAt: z.iso.datetime({ offset: true }),
    /**
     * SHA-256 (hex) of what the approver is shown: request id, runbook, target, runbook arguments and tenant
     * (`bindingHashOf` in `@soc/containment-requests`). An approval must quote it; absent on requests from before it existed.
     */
    bindingHash: BindingHash.optional(),
    /** How many different principals must approve (two for a four-eyes runbook); absent means one. */
    approvalsRequired: z.number().int().min(1).max(2).optional(),
  }),
  'Emitted by containment when a policy-allowed containment awaits a human approval.',
);
