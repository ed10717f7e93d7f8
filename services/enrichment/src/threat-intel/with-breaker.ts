import { breaker, type BreakerOptions, isOutageOrMisconfiguration } from '@soc/runtime';
import type { Indicator, IntelFinding, ThreatIntel } from './port.ts';

/** What the composition root needs of the breaker: its state, and to stop its timers on shutdown. */
export interface BreakerHandle {
  readonly opened: boolean;
  shutdown(): void;
}

/**
 * Wraps a threat-intel adapter in the runtime's opossum circuit breaker: its failures (429, 5xx, timeouts) and
 * refusals that repeat for every call (401, 403, 404) are counted, and while open lookups fail fast with a retryable `DEPENDENCY_UNAVAILABLE` so the caller can
 * list the source as missing.
 */
export function withBreaker(
  intel: ThreatIntel,
  opts: BreakerOptions,
): ThreatIntel & { readonly breaker: BreakerHandle } {
  const guarded = breaker(
    (indicators: readonly Indicator[]): Promise<IntelFinding[]> => intel.lookup(indicators),
    // A refused key (401/403) refuses every lookup: it opens the breaker rather than being tried per alert.
    { isDependencyFailure: isOutageOrMisconfiguration, ...opts },
  );
  return { lookup: (indicators) => guarded(indicators), breaker: guarded.breaker };
}
