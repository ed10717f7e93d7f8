import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/** Emitted by ticketing when a ticket it owns changes (status, assignment, work note). Consumed by the case view. */
export const TicketUpdatedV1 = defineEvent(
  'soc.ticket.updated.v1',
  z.object({
    alertId: z.string(),
    system: z.enum(['local', 'servicenow']),
    ticketId: z.string(),
    status: z.string(),
    note: z.string().max(8192).optional(),
  }),
  'Emitted by ticketing when a ticket it owns changes. Consumed by the case view.',
);
