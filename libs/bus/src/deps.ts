import { systemClock, type Clock } from '@soc/runtime';
import { NOOP_OBSERVER, type BusObserver } from './port.ts';

/**
 * The logger the bus reports to when an error has no caller to go to (a failed group commit, a receiver
 * fault, an observer hook that threw). Pino-compatible, so services pass their logger as is.
 */
export interface BusLogger {
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** Writes one JSON line per problem to stderr: the default, so no error is ever swallowed silently. */
export const consoleBusLogger: BusLogger = {
  warn: (obj, msg) => console.warn(JSON.stringify({ level: 'warn', component: 'bus', msg, ...serializable(obj) })),
  error: (obj, msg) => console.error(JSON.stringify({ level: 'error', component: 'bus', msg, ...serializable(obj) })),
};

function serializable(obj: object): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = v instanceof Error ? `${v.name}: ${v.message}` : v;
  return out;
}

/**
 * What every adapter needs from its host besides configuration. Everything is optional so tests pass only
 * what they care about; `random` exists so backoff jitter is reproducible in tests.
 */
export interface BusDeps {
  readonly observer?: BusObserver;
  readonly clock?: Clock;
  readonly logger?: BusLogger;
  /** Uniform [0, 1) source for backoff jitter. Default `Math.random`. */
  readonly random?: () => number;
}

/** {@link BusDeps} with every default applied. */
export interface ResolvedBusDeps {
  readonly observer: BusObserver;
  readonly clock: Clock;
  readonly logger: BusLogger;
  readonly random: () => number;
}

/** Applies the defaults of {@link BusDeps}. */
export function resolveBusDeps(deps: BusDeps = {}): ResolvedBusDeps {
  return {
    observer: deps.observer ?? NOOP_OBSERVER,
    clock: deps.clock ?? systemClock,
    logger: deps.logger ?? consoleBusLogger,
    random: deps.random ?? Math.random,
  };
}
