import { isAppError } from '@soc/runtime';
import { afterEach, describe, expect, it } from 'vitest';
import type { NewTicket, TicketSystem } from '../../src/ports.ts';

/** One ticket system under test, with a window on what it stored (notes, resolution) that the port does not show. */
export interface TicketSystemHarness {
  readonly system: TicketSystem;
  /** The work notes of a ticket, oldest first, as the system of record keeps them. */
  notesOf(ticketId: string): Promise<string[]>;
  /** The close code and notes of a resolved ticket. */
  resolutionOf(ticketId: string): Promise<{ code: string; notes: string } | undefined>;
  /** A well-formed ticket id that names no ticket. */
  readonly unknownTicketId: string;
  close(): Promise<void>;
}

const ticket = (key: string, actionId: string, priority = 3): NewTicket => ({
  idempotencyKey: `${key}:ticket`,
  actionId,
  alertId: key,
  correlationId: `corr-${key}`,
  title: '[HIGH] Suspicious sign-in',
  description: 'Risk 80/100 (high); verdict true_positive.',
  priority,
});

/**
 * What every `TicketSystem` does, whichever system of record is behind it: one ticket per idempotency key, a
 * revision's note added once with the more urgent priority kept, resolution once. Run it from each adapter's tests.
 */
export function describeTicketSystemContract(name: string, make: () => Promise<TicketSystemHarness>): void {
  describe(`TicketSystem contract: ${name}`, () => {
    let harness: TicketSystemHarness | undefined;
    const open = async (): Promise<TicketSystemHarness> => (harness = await make());
    afterEach(async () => {
      await harness?.close();
      harness = undefined;
    });

    it('opens one ticket per idempotency key: a second open returns the first, with the action that opened it', async () => {
      const { system } = await open();
      const first = await system.open(ticket('alt-1', 'act-1', 2));
      expect(first).toMatchObject({ created: true, status: 'new', priority: 2, actionId: 'act-1' });
      const again = await system.open(ticket('alt-1', 'act-1', 2));
      expect(again).toMatchObject({ created: false, ticketId: first.ticketId, actionId: 'act-1' });
      const revision = await system.open(ticket('alt-1', 'act-2', 1));
      expect(revision).toMatchObject({ created: false, ticketId: first.ticketId, actionId: 'act-1' });
      const other = await system.open(ticket('alt-2', 'act-3'));
      expect(other.created).toBe(true);
      expect(other.ticketId).not.toBe(first.ticketId);
    });

    it('adds a revision note once and keeps the more urgent priority', async () => {
      const h = await open();
      const { ticketId } = await h.system.open(ticket('alt-1', 'act-1', 3));
      const raised = await h.system.update(ticketId, { updateKey: 'act-2', note: 'Re-triaged: risk 95/100 (critical).', priority: 1 });
      expect(raised).toMatchObject({ ticketId, priority: 1 });
      const again = await h.system.update(ticketId, { updateKey: 'act-2', note: 'Re-triaged: risk 95/100 (critical).', priority: 1 });
      expect(again.priority).toBe(1);
      const lower = await h.system.update(ticketId, { updateKey: 'act-3', note: 'Re-triaged: risk 40/100 (medium).', priority: 4 });
      expect(lower.priority).toBe(1);
      const notes = await h.notesOf(ticketId);
      expect(notes).toHaveLength(2);
      expect(notes[0]).toContain('Re-triaged: risk 95/100 (critical).');
      expect(notes[1]).toContain('Re-triaged: risk 40/100 (medium).');
    });

    it('resolves a ticket with its close code and notes, once', async () => {
      const h = await open();
      const { ticketId } = await h.system.open(ticket('alt-1', 'act-1'));
      const resolved = await h.system.resolve(ticketId, { code: 'False positive', notes: 'Benign: admin maintenance window.' });
      expect(resolved).toMatchObject({ ticketId, status: 'resolved' });
      const again = await h.system.resolve(ticketId, { code: 'Other', notes: 'second' });
      expect(again.status).toBe('resolved');
      expect(await h.resolutionOf(ticketId)).toEqual({ code: 'False positive', notes: 'Benign: admin maintenance window.' });
      expect((await h.system.open(ticket('alt-1', 'act-1'))).status).toBe('resolved');
    });

    it('finds a ticket by its idempotency key, and none for a key never opened', async () => {
      const h = await open();
      const opened = await h.system.open(ticket('alt-1', 'act-1', 2));
      expect(await h.system.find('alt-1:ticket')).toMatchObject({ ticketId: opened.ticketId, status: 'new', actionId: 'act-1' });
      expect(await h.system.find('alt-404:ticket')).toBeUndefined();
    });

    it('reopens a resolved ticket once with a work note; an open ticket is left alone', async () => {
      const h = await open();
      const { ticketId } = await h.system.open(ticket('alt-1', 'act-1'));
      const untouched = await h.system.reopen(ticketId, { updateKey: 'grp:lifecycle-1', note: 'not resolved' });
      expect(untouched.status).toBe('new');
      expect(await h.notesOf(ticketId)).toHaveLength(0);
      await h.system.resolve(ticketId, { code: 'False positive', notes: 'Benign.' });
      const reopened = await h.system.reopen(ticketId, { updateKey: 'grp:lifecycle-2', note: 'SOC Copilot reopened this ticket: a true positive.' });
      expect(reopened).toMatchObject({ ticketId, status: 'in-progress' });
      expect(await h.resolutionOf(ticketId)).toBeUndefined();
      await h.system.reopen(ticketId, { updateKey: 'grp:lifecycle-2', note: 'SOC Copilot reopened this ticket: a true positive.' });
      const notes = await h.notesOf(ticketId);
      expect(notes.filter((n) => n.includes('SOC Copilot reopened this ticket: a true positive.'))).toHaveLength(1);
      // Resolvable again after the reopening.
      expect((await h.system.resolve(ticketId, { code: 'False positive', notes: 'Benign again.' })).status).toBe('resolved');
    });

    it('refuses to update or resolve a ticket that does not exist (NOT_FOUND)', async () => {
      const h = await open();
      for (const attempt of [
        () => h.system.update(h.unknownTicketId, { updateKey: 'k', note: 'n', priority: 2 }),
        () => h.system.resolve(h.unknownTicketId, { code: 'c', notes: 'n' }),
        () => h.system.reopen(h.unknownTicketId, { updateKey: 'k', note: 'n' }),
      ]) {
        const error: unknown = await attempt().then(() => undefined, (e: unknown) => e);
        expect(isAppError(error) && error.code).toBe('NOT_FOUND');
      }
    });
  });
}
