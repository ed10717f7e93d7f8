/** A ticket to open for an alert. */
export interface NewTicket {
  /** Same key, same ticket: opening twice returns the first. */
  idempotencyKey: string;
  alertId: string;
  correlationId: string;
  title: string;
  description: string;
  priority: number;
  assignmentGroup?: string;
}

/** A ticket as the system of record has it. */
export interface Ticket {
  ticketId: string;
  url?: string;
  status: string;
  priority: number;
}

/** Opens tickets in the system of record. */
export interface TicketSystem {
  readonly name: 'local' | 'servicenow';
  open(ticket: NewTicket): Promise<Ticket>;
}
