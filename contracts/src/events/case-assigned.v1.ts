import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/**
 * Emitted by the analyst API when an analyst takes, hands over or releases a case (one alert). Consumed by the case
 * view (the case's `assignee` and timeline; the queue shows a group's lead alert's assignee).
 */
export const CaseAssignedV1 = defineEvent(
  'soc.case.assigned.v1',
  z.object({
    alertId: z.string().min(1).max(128),
    tenantId: z.string().min(1).max(128),
    /** The principal the case is assigned to now; null: unassigned. A configured principal name, never a credential. */
    assignee: z.string().min(1).max(256).nullable(),
    /** The assignee before this change; null when the case was unassigned. */
    previous: z.string().min(1).max(256).nullable(),
    /** The authenticated principal who made the change. */
    by: z.string().min(1).max(256),
    at: z.iso.datetime({ offset: true }),
  }),
  'Emitted by the analyst API when a case (alert) is assigned, reassigned or unassigned. Consumed by the case view.',
);
