import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/**
 * A case group's notification timer (noise control, issue 13): published by notification with `deliverat` set to
 * `at`, and consumed by notification itself when it is due — the end of the group's digest window, or the time an
 * unacknowledged case escalates to its next destinations. A timer cannot be cancelled: the consumer checks, when it
 * arrives, whether it still applies (a newer window, an acknowledged case).
 */
export const NotificationDueV1 = defineEvent(
  'soc.notification.due.v1',
  z.object({
    tenantId: z.string().min(1).max(128),
    /** `caseGroupKey` of the group. */
    groupKey: z.string().min(1).max(128),
    due: z.enum(['digest', 'escalation']),
    /** When it is due (the event's `deliverat`). */
    at: z.iso.datetime({ offset: true }),
    /** The alert whose decision set the timer. */
    alertId: z.string().min(1).max(128),
  }),
  "A case group's notification timer (digest window end, unacknowledged-case escalation), published by notification for itself with deliverat.",
);
