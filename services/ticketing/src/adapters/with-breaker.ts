import { type BreakerOptions, breaker } from '@soc/runtime';
import type { TicketSystem } from '../ports.ts';

/** What the composition root needs of the breaker: its state, and to stop its timers on shutdown. */
export interface TicketBreakerHandle {
  readonly opened: boolean;
  shutdown(): void;
}

/**
 * Wraps a remote ticket system in the runtime's circuit breaker, one for all its operations: its outages (5xx, 429,
 * timeouts, refused connections) are counted, and while open every call fails fast with a retryable
 * `DEPENDENCY_UNAVAILABLE`, so the bus redelivers the decision later instead of piling calls on a system that is down.
 * A call cut short by the breaker may still complete remotely; `open` looks its key up first, so that is safe.
 */
export function withBreaker(system: TicketSystem, opts: BreakerOptions): TicketSystem & { readonly breaker: TicketBreakerHandle } {
  const guarded = breaker((op: () => Promise<unknown>): Promise<unknown> => op(), opts);
  const run = <T>(op: () => Promise<T>): Promise<T> => guarded(op) as Promise<T>;
  return {
    name: system.name,
    open: (ticket) => run(() => system.open(ticket)),
    update: (ticketId, update) => run(() => system.update(ticketId, update)),
    resolve: (ticketId, resolution) => run(() => system.resolve(ticketId, resolution)),
    reopen: (ticketId, reopening) => run(() => system.reopen(ticketId, reopening)),
    find: (idempotencyKey) => run(() => system.find(idempotencyKey)),
    breaker: guarded.breaker,
  };
}
