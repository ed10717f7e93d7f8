import { z } from 'zod';

/** The ticketing service's own settings (ServiceNow arrives with the ticketing issue). */
export const TicketingConfig = z.object({});
export type TicketingConfig = z.infer<typeof TicketingConfig>;
