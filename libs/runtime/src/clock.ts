import { randomUUID } from 'node:crypto';

/** The time source handlers receive; tests pass a fixed or manual clock. */
export interface Clock {
  now(): Date;
}

/** The system wall clock. */
export const systemClock: Clock = { now: () => new Date() };

/** A clock tests can move by hand. */
export function manualClock(start: Date | string = '2026-01-01T00:00:00.000Z'): Clock & { advance(ms: number): void; set(d: Date | string): void } {
  let t = new Date(start).getTime();
  return {
    now: () => new Date(t),
    advance: (ms) => {
      t += ms;
    },
    set: (d) => {
      t = new Date(d).getTime();
    },
  };
}

/** Source of new random ids at the edges (handlers derive theirs from the cause). */
export interface IdGenerator {
  next(): string;
}
export const randomIds: IdGenerator = { next: () => randomUUID() };
