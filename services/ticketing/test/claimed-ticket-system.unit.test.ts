import { createHash } from 'node:crypto';
import { MemoryStateStore } from '@soc/state';
import { manualClock } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import { ClaimedTicketSystem } from '../src/adapters/claimed-ticket-system.ts';
import type { NewTicket, Ticket, TicketSystem } from '../src/ports.ts';

/**
 * A system of record that, like ServiceNow's Table API, looks a key up and then creates, with no unique key to stop
 * a second create: a create waits on `gate`, so two opens overlap; `fail` makes the next create refuse.
 */
class LookUpThenCreate implements TicketSystem {
  readonly name = 'servicenow' as const;
  readonly byKey = new Map<string, Ticket[]>();
  gate: Promise<void> = Promise.resolve();
  fail = false;
  async open(ticket: NewTicket): Promise<Ticket & { created: boolean }> {
    const found = this.byKey.get(ticket.idempotencyKey)?.[0];
    if (found) return { ...found, created: false };
    await this.gate;
    if (this.fail) {
      this.fail = false;
      throw Object.assign(new Error('503'), { retryable: true });
    }
    const created: Ticket = {
      ticketId: `INC${1000 + this.byKey.size}`,
      status: 'new',
      priority: ticket.priority,
      actionId: ticket.actionId,
    };
    this.byKey.set(ticket.idempotencyKey, [...(this.byKey.get(ticket.idempotencyKey) ?? []), created]);
    return { ...created, created: true };
  }
  update(): Promise<Ticket> {
    throw new Error('not used');
  }
  resolve(): Promise<Ticket> {
    throw new Error('not used');
  }
  reopen(): Promise<Ticket> {
    throw new Error('not used');
  }
  find(): Promise<Ticket | undefined> {
    throw new Error('not used');
  }
}

const ticket = (actionId: string): NewTicket => ({
  idempotencyKey: 'grp-1:ticket',
  actionId,
  alertId: 'a',
  correlationId: 'c',
  title: 't',
  description: 'd',
  priority: 2,
});

describe('ClaimedTicketSystem', () => {
  it('two overlapping opens of one key: one creates, the other is told to retry (retryable CONFLICT) and then finds it', async () => {
    const inner = new LookUpThenCreate();
    const clock = manualClock();
    const system = new ClaimedTicketSystem(inner, new MemoryStateStore(), { now: () => clock.now(), leaseMs: 30_000 });
    let open!: () => void;
    inner.gate = new Promise((r) => (open = r));
    const first = system.open(ticket('act-1'));
    const second = system.open(ticket('act-2')).catch((e: unknown) => e);
    await expect(second).resolves.toMatchObject({ code: 'CONFLICT', retryable: true });
    open();
    await expect(first).resolves.toMatchObject({ ticketId: 'INC1000', created: true });
    await expect(system.open(ticket('act-2'))).resolves.toMatchObject({ ticketId: 'INC1000', created: false });
    expect(inner.byKey.get('grp-1:ticket')).toHaveLength(1);
  });

  it('without the claim the same overlap creates two tickets (what the claim is for)', async () => {
    const inner = new LookUpThenCreate();
    let open!: () => void;
    inner.gate = new Promise((r) => (open = r));
    const both = Promise.all([inner.open(ticket('act-1')), inner.open(ticket('act-2'))]);
    open();
    await both;
    expect(inner.byKey.get('grp-1:ticket')).toHaveLength(2);
  });

  it('a failed open releases the claim: the retry claims again at once', async () => {
    const inner = new LookUpThenCreate();
    const clock = manualClock();
    const system = new ClaimedTicketSystem(inner, new MemoryStateStore(), { now: () => clock.now(), leaseMs: 30_000 });
    inner.fail = true;
    await expect(system.open(ticket('act-1'))).rejects.toThrow('503');
    await expect(system.open(ticket('act-1'))).resolves.toMatchObject({ created: true });
  });

  it('a claim whose holder crashed is taken over once its lease has run out, not before', async () => {
    const inner = new LookUpThenCreate();
    const clock = manualClock();
    const state = new MemoryStateStore();
    const system = new ClaimedTicketSystem(inner, state, { now: () => clock.now(), leaseMs: 30_000 });
    inner.gate = new Promise(() => undefined); // the holder never finishes: a crash
    void system.open(ticket('act-1'));
    await new Promise((r) => setTimeout(r, 10));
    inner.gate = Promise.resolve();
    clock.advance(29_000);
    await expect(system.open(ticket('act-1'))).rejects.toMatchObject({ code: 'CONFLICT', retryable: true });
    clock.advance(1_000);
    await expect(system.open(ticket('act-1'))).resolves.toMatchObject({ ticketId: 'INC1000', created: true });
  });

  it('reads the claims it stored before (key, claimedAt, ticketId) as open tickets: no CONFLICT for a deployed group', async () => {
    const inner = new LookUpThenCreate();
    const clock = manualClock('2026-11-23T09:00:00.000Z');
    const state = new MemoryStateStore({ clock });
    const system = new ClaimedTicketSystem(inner, state, { now: () => clock.now(), leaseMs: 30_000 });
    const id = createHash('sha256').update('grp-1:ticket').digest('hex');
    await state.put('ticket-open-claims', id, { key: 'grp-1:ticket', claimedAt: '2026-11-23T09:00:00.000Z', ticketId: 'INC0999' });
    inner.byKey.set('grp-1:ticket', [{ ticketId: 'INC0999', status: 'new', priority: 2, actionId: 'act-0' }]);
    await expect(system.open(ticket('act-1'))).resolves.toMatchObject({ ticketId: 'INC0999', created: false });
    // An old claim without a ticket is a claim like any other: fresh, it holds the key.
    await state.put('ticket-open-claims', createHash('sha256').update('grp-2:ticket').digest('hex'), { key: 'grp-2:ticket', claimedAt: '2026-11-23T09:00:00.000Z' });
    await expect(system.open({ ...ticket('act-2'), idempotencyKey: 'grp-2:ticket' })).rejects.toMatchObject({ code: 'CONFLICT', retryable: true });
  });
});
