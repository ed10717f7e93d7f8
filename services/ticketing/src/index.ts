export { MAX_TITLE_CHARS, makeTicketingHandler, ticketFor } from './handler.ts';
export type { TicketingDeps } from './handler.ts';
export { StateTicketSystem } from './adapters/state-ticket-system.ts';
export type { NewTicket, Ticket, TicketSystem } from './ports.ts';
export { ticketingService } from './service.ts';
export { TicketingConfig } from './config.ts';
