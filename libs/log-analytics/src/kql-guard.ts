// The guard every run passes: `@soc/kql`'s, re-exported so callers of this package need no second import.
import type { KqlVerdict } from '@soc/kql';
export type { KqlColumnWarning, KqlGuard, KqlReason, KqlVerdict } from '@soc/kql';

/**
 * What an executor checks queries with: `@soc/kql`'s guard itself, or one that answers later (the guard on a worker
 * thread, `HuntThread` of `@soc/hunt`, which keeps Kusto.Language's parse and bind off the event loop).
 */
export interface QueryGuard {
  check(query: string): KqlVerdict | Promise<KqlVerdict>;
}
