import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/** Emitted by the analyst API when someone asks to undo a done containment. Consumed by containment and the case view. */
export const ContainmentUndoRequestedV1 = defineEvent(
  'soc.containment.undo-requested.v1',
  z.object({
    requestId: z.string(),
    alertId: z.string(),
    /** Who asked (authenticated by the API); they cannot also approve the undo. */
    requestedBy: z.string().min(1).max(256),
    requestedAt: z.iso.datetime({ offset: true }),
    reason: z.string().min(1).max(1024),
  }),
  'Emitted by the analyst API when someone asks to undo a done containment (the undo needs its own approval). Consumed by containment.',
);
