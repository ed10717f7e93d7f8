export { MAX_TITLE_CHARS, makeTicketingHandler, ticketFor } from './handler.ts';
export type { TicketingDeps } from './handler.ts';
export { StateTicketSystem } from './adapters/state-ticket-system.ts';
export { ServiceNowTicketSystem, correlationIdOf, serviceNowErrorOf, serviceNowInstanceUrl } from './adapters/servicenow-ticket-system.ts';
export type { ServiceNowAuth, ServiceNowTicketSystemOptions } from './adapters/servicenow-ticket-system.ts';
export { ServiceNowFieldMapping } from './adapters/servicenow-mapping.ts';
export type { NewTicket, Ticket, TicketResolution, TicketSystem, TicketUpdate } from './ports.ts';
export { serviceNowMappingOf, serviceNowTicketSystemOf, ticketingService } from './service.ts';
export { TicketingConfig } from './config.ts';
