import { z } from 'zod';
import { ContainmentRunbookV1 } from '../actions.ts';
import { defineEvent } from '../envelope.ts';

/** Emitted by the analyst API when an administrator freezes or unfreezes containment. Consumed by containment. */
export const ContainmentFreezeChangedV1 = defineEvent(
  'soc.containment.freeze-changed.v1',
  z.object({
    frozen: z.boolean(),
    /** The runbook frozen or unfrozen; absent for the global switch (every runbook). */
    runbook: ContainmentRunbookV1.optional(),
    reason: z.string().min(1).max(1024),
    /** The administrator (authenticated principal) who changed it. */
    by: z.string().min(1).max(256),
    at: z.iso.datetime({ offset: true }),
  }),
  'Emitted by the analyst API when an administrator freezes or unfreezes containment (globally or for one runbook). Consumed by containment, which voids the pending requests a freeze covers.',
);
