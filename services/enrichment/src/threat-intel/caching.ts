import { type Clock, concurrencyLimit } from '@soc/runtime';
import { LruTtlCache } from '../lru-ttl-cache.ts';
import { canonicalIndicators } from './canonical.ts';
import type { CanonicalIndicator, Indicator, IntelFinding, ThreatIntel } from './port.ts';

/** Options of {@link CachingThreatIntel}. */
export interface CachingThreatIntelOptions {
  clock: Clock;
  /** How long an answer with an opinion is reused. Default 6 h. */
  ttlMs?: number;
  /** How long "nothing known" (no finding, or only `unknown`) is reused; shorter, as new intel appears. Default 15 min. */
  negativeTtlMs?: number;
  /** Least recently used indicators are evicted beyond this. Default 10,000. */
  maxEntries?: number;
  /** Inner lookups in flight at once; more wait their turn. Default 4. */
  concurrency?: number;
}

/**
 * A caching decorator for any {@link ThreatIntel}: per canonical indicator, a TTL cache with a shorter TTL
 * for negative answers, bounded by LRU eviction; concurrent lookups of the same indicator share one inner
 * call; at most `concurrency` inner calls run at once. Cached findings keep their original `fetchedAt` and
 * say `cacheHit: true`. Failures are not cached. Put it outside the circuit breaker, so hits never touch it.
 */
export class CachingThreatIntel implements ThreatIntel {
  readonly #inner: ThreatIntel;
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #negativeTtl: number;
  readonly #limit: <T>(task: () => Promise<T>) => Promise<T>;
  readonly #cache: LruTtlCache<IntelFinding[]>;
  readonly #inFlight = new Map<string, Promise<IntelFinding[]>>();

  constructor(inner: ThreatIntel, opts: CachingThreatIntelOptions) {
    this.#inner = inner;
    this.#clock = opts.clock;
    this.#ttl = opts.ttlMs ?? 6 * 60 * 60 * 1000;
    this.#negativeTtl = opts.negativeTtlMs ?? 15 * 60 * 1000;
    this.#cache = new LruTtlCache(opts.maxEntries ?? 10_000);
    this.#limit = concurrencyLimit(opts.concurrency ?? 4);
  }

  /** Indicators currently cached (expired ones are dropped when next touched). */
  get size(): number {
    return this.#cache.size;
  }

  async lookup(indicators: readonly Indicator[]): Promise<IntelFinding[]> {
    const results = await Promise.all(canonicalIndicators(indicators).map((i) => this.#one(i)));
    return results.flat();
  }

  #one(indicator: CanonicalIndicator): Promise<IntelFinding[]> {
    const hit = this.#cache.get(indicator.key, this.#clock.now().getTime());
    if (hit) {
      // Copies, so a caller that edits its findings cannot change what later callers get.
      return Promise.resolve(
        hit.map((f) => ({
          ...f,
          threatNames: [...f.threatNames],
          tags: [...f.tags],
          attributes: { ...f.attributes },
          provenance: { ...f.provenance, cacheHit: true },
        })),
      );
    }
    const pending = this.#inFlight.get(indicator.key);
    if (pending) return pending;
    const fetching = this.#limit(() => this.#inner.lookup([{ type: indicator.type, value: indicator.value }]))
      .then((findings) => {
        const negative = findings.every((f) => f.verdict === 'unknown');
        this.#cache.set(
          indicator.key,
          findings,
          this.#clock.now().getTime() + (negative ? this.#negativeTtl : this.#ttl),
        );
        return findings;
      })
      .finally(() => this.#inFlight.delete(indicator.key));
    this.#inFlight.set(indicator.key, fetching);
    return fetching;
  }
}
