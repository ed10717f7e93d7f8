import { AppError, ErrorCode, breakerFailFastOf } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import { withBreaker } from '../src/adapters/with-breaker.ts';
import type { NewTicket, Ticket, TicketSystem } from '../src/ports.ts';

/** A ticket system that is down (503) or refuses (400), counting the calls that reach it. */
class DownTicketSystem implements TicketSystem {
  readonly name = 'servicenow' as const;
  calls = 0;
  error: AppError = new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'ServiceNow incident look-up answered 503', { retryable: true });
  fail(): Promise<never> {
    this.calls++;
    return Promise.reject(this.error);
  }
  open(_ticket: NewTicket): Promise<Ticket & { created: boolean }> {
    return this.fail();
  }
  update(): Promise<Ticket> {
    return this.fail();
  }
  resolve(): Promise<Ticket> {
    return this.fail();
  }
  reopen(): Promise<Ticket> {
    return this.fail();
  }
  find(): Promise<Ticket | undefined> {
    return this.fail();
  }
}

const ticket: NewTicket = { idempotencyKey: 'k', actionId: 'a', alertId: 'alt', correlationId: 'c', title: 't', description: 'd', priority: 3 };

describe('ticket system circuit breaker', () => {
  it('opens on repeated outages: later calls of any operation fail fast, retryable, without reaching the system', async () => {
    const down = new DownTicketSystem();
    const guarded = withBreaker(down, { name: 'servicenow', volumeThreshold: 3 });
    for (let i = 0; i < 3; i++) await expect(guarded.open(ticket)).rejects.toBeInstanceOf(AppError);
    expect(guarded.breaker.opened).toBe(true);
    const fast = await guarded.update('INC1', { updateKey: 'u', note: 'n', priority: 1 }).catch((e: unknown) => e);
    expect(fast).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
    expect(breakerFailFastOf(fast)).toBe('open');
    expect(down.calls).toBe(3);
    guarded.breaker.shutdown();
  });

  it('does not open on refusals (a 400 says nothing about the system\'s health)', async () => {
    const down = new DownTicketSystem();
    down.error = new AppError(ErrorCode.VALIDATION_FAILED, 'ServiceNow incident create answered 400', { retryable: false });
    const guarded = withBreaker(down, { name: 'servicenow', volumeThreshold: 3 });
    for (let i = 0; i < 5; i++) await expect(guarded.resolve('INC1', { code: 'c', notes: 'n' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    expect(guarded.breaker.opened).toBe(false);
    expect(down.calls).toBe(5);
    guarded.breaker.shutdown();
  });
});
