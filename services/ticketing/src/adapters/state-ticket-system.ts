import { deriveKey } from '@soc/contracts';
import { type StateStore, updateWithRetry } from '@soc/state';
import { AppError, ErrorCode, isAppError } from '@soc/runtime';
import type { NewTicket, Ticket, TicketReopening, TicketResolution, TicketSystem, TicketUpdate } from '../ports.ts';

interface TicketDoc extends Ticket, NewTicket {
  openedAt: string;
  /** Work notes added by later revisions of the alert, oldest first. */
  notes?: { key: string; note: string; at: string }[];
  /** Set when the ticket was resolved. */
  resolution?: TicketResolution & { at: string };
}

const COLLECTION = 'tickets';
const ticketIdOf = (idempotencyKey: string): string => `SOC-${deriveKey(idempotencyKey).slice(0, 8).toUpperCase()}`;
const view = (doc: TicketDoc): Ticket => ({ ticketId: doc.ticketId, status: doc.status, priority: doc.priority, actionId: doc.actionId });

/** The embedded default ticket system: tickets are documents in the state store, one per idempotency key. */
export class StateTicketSystem implements TicketSystem {
  readonly name = 'local' as const;
  private readonly store: StateStore;
  private readonly now: () => Date;
  constructor(store: StateStore, now: () => Date) {
    this.store = store;
    this.now = now;
  }

  async open(ticket: NewTicket): Promise<Ticket & { created: boolean }> {
    const ticketId = ticketIdOf(ticket.idempotencyKey);
    const doc: TicketDoc = { ...ticket, ticketId, status: 'new', openedAt: this.now().toISOString() };
    try {
      await this.store.put(COLLECTION, ticketId, doc, { ifNoneMatch: '*' });
      return { ...view(doc), created: true };
    } catch (error) {
      if (!isAppError(error) || error.code !== ErrorCode.CONFLICT) throw error;
      const existing = await this.store.get<TicketDoc>(COLLECTION, ticketId);
      if (!existing) throw error;
      return { ...view(existing.value), created: false };
    }
  }

  async update(ticketId: string, update: TicketUpdate): Promise<Ticket> {
    // What the document holds afterwards: as written, or as found when the update was applied already.
    const stored = await updateWithRetry<TicketDoc>(this.store, COLLECTION, ticketId, (current) => {
      if (!current) throw new AppError(ErrorCode.NOT_FOUND, `Ticket ${ticketId} does not exist`, { retryable: true });
      const notes = current.notes ?? [];
      if (notes.some((n) => n.key === update.updateKey)) return undefined; // applied already: a redelivery
      return { ...current, priority: Math.min(current.priority, update.priority), notes: [...notes, { key: update.updateKey, note: update.note, at: this.now().toISOString() }] };
    });
    if (!stored) throw new AppError(ErrorCode.NOT_FOUND, `Ticket ${ticketId} does not exist`, { retryable: true });
    return view(stored);
  }

  async resolve(ticketId: string, resolution: TicketResolution): Promise<Ticket> {
    const stored = await updateWithRetry<TicketDoc>(this.store, COLLECTION, ticketId, (current) => {
      if (!current) throw new AppError(ErrorCode.NOT_FOUND, `Ticket ${ticketId} does not exist`, { retryable: false });
      if (current.status === 'resolved') return undefined; // resolved already: the first resolution stands
      return { ...current, status: 'resolved', resolution: { ...resolution, at: this.now().toISOString() } };
    });
    if (!stored) throw new AppError(ErrorCode.NOT_FOUND, `Ticket ${ticketId} does not exist`, { retryable: false });
    return view(stored);
  }

  async reopen(ticketId: string, reopening: TicketReopening): Promise<Ticket> {
    const stored = await updateWithRetry<TicketDoc>(this.store, COLLECTION, ticketId, (current) => {
      if (!current) throw new AppError(ErrorCode.NOT_FOUND, `Ticket ${ticketId} does not exist`, { retryable: false });
      if (current.status !== 'resolved') return undefined; // open already: a redelivery, or never resolved
      const { resolution: _closed, ...rest } = current;
      const notes = [...(current.notes ?? []), { key: reopening.updateKey, note: reopening.note, at: this.now().toISOString() }];
      return { ...rest, status: 'in-progress', notes };
    });
    if (!stored) throw new AppError(ErrorCode.NOT_FOUND, `Ticket ${ticketId} does not exist`, { retryable: false });
    return view(stored);
  }

  async find(idempotencyKey: string): Promise<Ticket | undefined> {
    const found = await this.store.get<TicketDoc>(COLLECTION, ticketIdOf(idempotencyKey));
    return found ? view(found.value) : undefined;
  }
}
