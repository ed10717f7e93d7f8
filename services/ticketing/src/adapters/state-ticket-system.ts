import { deriveKey } from '@soc/contracts';
import type { StateStore } from '@soc/state';
import { ErrorCode, isAppError } from '@soc/runtime';
import type { NewTicket, Ticket, TicketSystem } from '../ports.ts';

interface TicketDoc extends Ticket, NewTicket {
  openedAt: string;
}

/** The embedded default ticket system: tickets are documents in the state store, one per idempotency key. */
export class StateTicketSystem implements TicketSystem {
  readonly name = 'local' as const;
  private readonly store: StateStore;
  private readonly now: () => Date;
  constructor(store: StateStore, now: () => Date) {
    this.store = store;
    this.now = now;
  }

  async open(ticket: NewTicket): Promise<Ticket> {
    const ticketId = `SOC-${deriveKey(ticket.idempotencyKey).slice(0, 8).toUpperCase()}`;
    const doc: TicketDoc = { ...ticket, ticketId, status: 'new', openedAt: this.now().toISOString() };
    try {
      await this.store.put('tickets', ticketId, doc, { ifNoneMatch: '*' });
      return { ticketId, status: doc.status, priority: doc.priority };
    } catch (error) {
      if (!isAppError(error) || error.code !== ErrorCode.CONFLICT) throw error;
      const existing = await this.store.get<TicketDoc>('tickets', ticketId);
      if (!existing) throw error;
      return { ticketId, status: existing.value.status, priority: existing.value.priority };
    }
  }
}
