import { z } from 'zod';
import { ContainmentRunbook } from '../actions.ts';
import { MAX_ENTITY_VALUE_LENGTH } from '../alert.ts';
import { defineEvent } from '../envelope.ts';

/** Containment target as recorded on a request. */
export const ContainmentTarget = z.object({ entityId: z.string().min(1), type: z.string().min(1), value: z.string().min(1).max(MAX_ENTITY_VALUE_LENGTH) });

/** Emitted by containment when a policy-allowed containment awaits a human approval. Consumed by the case view and approvers. */
export const ContainmentRequestedV1 = defineEvent(
  'soc.containment.requested.v1',
  z.object({
    requestId: z.string(),
    alertId: z.string(),
    actionId: z.string(),
    runbook: ContainmentRunbook,
    target: ContainmentTarget,
    reason: z.string().max(1024),
    status: z.literal('pending-approval'),
    expiresAt: z.iso.datetime({ offset: true }),
  }),
  'Emitted by containment when a policy-allowed containment awaits a human approval.',
);
