import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/** Emitted by ticketing when a ticket exists for an alert. Consumed by the case view. */
export const TicketCreatedV1 = defineEvent(
  'soc.ticket.created.v1',
  z.object({
    alertId: z.string(),
    actionId: z.string(),
    system: z.enum(['local', 'servicenow']),
    ticketId: z.string(),
    url: z.string().optional(),
    priority: z.number().int().min(1).max(5),
    status: z.string(),
  }),
  'Emitted by ticketing when a ticket exists for an alert. Consumed by the case view.',
);
