import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/**
 * Containment's own timer (published with `deliverat`): check again whether an executed action took effect, while
 * the API still reports it pending. `attempt` counts the checks; past the last one the request fails as not in effect.
 */
export const ContainmentCheckDueV1 = defineEvent(
  'soc.containment.check-due.v1',
  z.object({
    requestId: z.string(),
    alertId: z.string(),
    attempt: z.number().int().min(1).max(1000),
  }),
  'Containment\'s own timer (deliverat): verify an executed action again while its API still reports it pending. Consumed by containment.',
);
