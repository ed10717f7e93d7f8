import { z } from 'zod';
import { defineEvent } from '../envelope.ts';
import { BindingHash } from './containment-requested.v1.ts';

/** The recorded human decision on a containment request. */
export const ApprovalRecord = z.object({
  requestId: z.string(),
  alertId: z.string(),
  /** Who decided (UPN or analyst id), as authenticated by the API. */
  approver: z.string().min(1).max(256),
  decidedAt: z.iso.datetime({ offset: true }),
  comment: z.string().max(4096).default(''),
  /** Change reference (CRQ/RFC) when the organisation requires one. */
  changeRef: z.string().max(128).optional(),
  /** The request's binding hash the approver was shown and quoted; containment refuses an approval whose hash differs. */
  bindingHash: BindingHash.optional(),
});

/** Emitted by the analyst API when a human approves a containment request. Consumed by containment. */
export const ContainmentApprovedV1 = defineEvent(
  'soc.containment.approved.v1',
  ApprovalRecord,
  'Emitted by the analyst API when a human approves a containment request. Consumed by containment.',
);
