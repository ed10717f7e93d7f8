import { breaker, concurrencyLimit, type BreakerOptions, type Clock, isOutageOrMisconfiguration } from '@soc/runtime';
import { LruTtlCache } from '../lru-ttl-cache.ts';
import type { BreakerHandle } from '../threat-intel/index.ts';
import type { AssetMatch, KeyedLookup, UserMatch } from './ports.ts';

/** Options of {@link CachingLookup}. */
export interface CachingLookupOptions {
  clock: Clock;
  /** How long a key that found records is answered from the cache. Default 1 h. */
  ttlMs?: number;
  /** How long "not known" is answered from the cache; shorter, as new machines and people appear. Default 10 min. */
  negativeTtlMs?: number;
  /** Least recently used keys are evicted beyond this. Default 10,000. */
  maxEntries?: number;
  /** Inner lookups in flight at once; more wait their turn. Default 4. */
  concurrency?: number;
}

/**
 * A caching decorator for a batch {@link KeyedLookup} (asset and user directories): per key, a TTL cache with a
 * shorter TTL for "not known", bounded by LRU eviction. The keys one call misses go to the inner lookup in one
 * batch; keys already being fetched share that fetch; at most `concurrency` inner calls run at once. Cached
 * matches are copies marked by `markHit`. Failures are not cached. Put it outside the circuit breaker, so hits
 * never touch it.
 */
export class CachingLookup<K extends { key: string }, M extends { key: string }> implements KeyedLookup<K, M> {
  readonly name: string;
  readonly #inner: KeyedLookup<K, M>;
  readonly #markHit: (match: M) => M;
  readonly #clock: Clock;
  readonly #ttl: number;
  readonly #negativeTtl: number;
  readonly #limit: <T>(task: () => Promise<T>) => Promise<T>;
  readonly #cache: LruTtlCache<M[]>;
  readonly #inFlight = new Map<string, Promise<M[]>>();

  constructor(inner: KeyedLookup<K, M>, markHit: (match: M) => M, opts: CachingLookupOptions) {
    this.name = inner.name;
    this.#inner = inner;
    this.#markHit = markHit;
    this.#clock = opts.clock;
    this.#ttl = opts.ttlMs ?? 60 * 60 * 1000;
    this.#negativeTtl = opts.negativeTtlMs ?? 10 * 60 * 1000;
    this.#cache = new LruTtlCache(opts.maxEntries ?? 10_000);
    this.#limit = concurrencyLimit(opts.concurrency ?? 4);
  }

  /** Keys currently cached (expired ones are dropped when next touched). */
  get size(): number {
    return this.#cache.size;
  }

  async lookup(keys: readonly K[]): Promise<M[]> {
    const now = this.#clock.now().getTime();
    const answers: (M[] | Promise<M[]>)[] = [];
    const misses: K[] = [];
    const seen = new Set<string>();
    for (const k of keys) {
      if (seen.has(k.key)) continue;
      seen.add(k.key);
      const hit = this.#cache.get(k.key, now);
      if (hit) {
        answers.push(hit.map((m) => this.#markHit(m)));
        continue;
      }
      const pending = this.#inFlight.get(k.key);
      if (pending) answers.push(pending);
      else misses.push(k);
    }
    if (misses.length > 0) {
      const batch = this.#limit(() => this.#inner.lookup(misses));
      for (const k of misses) {
        const one = batch
          .then((matches) => {
            const mine = matches.filter((m) => m.key === k.key);
            const ttl = mine.length > 0 ? this.#ttl : this.#negativeTtl;
            this.#cache.set(k.key, mine, this.#clock.now().getTime() + ttl);
            return mine;
          })
          .finally(() => this.#inFlight.delete(k.key));
        this.#inFlight.set(k.key, one);
        answers.push(one);
      }
    }
    return (await Promise.all(answers)).flat();
  }
}

/**
 * Wraps a remote directory in the runtime's opossum circuit breaker (timeout, bounded in-flight calls): while it
 * is open, lookups fail fast with a retryable `DEPENDENCY_UNAVAILABLE` and enrichment lists the source as missing.
 */
export function withLookupBreaker<K extends { key: string }, M extends { key: string }>(
  inner: KeyedLookup<K, M>,
  opts: BreakerOptions,
): KeyedLookup<K, M> & { readonly breaker: BreakerHandle } {
  // Bad credentials or a missing table refuse every lookup: they open the breaker rather than being tried per alert.
  const guarded = breaker((keys: readonly K[]): Promise<M[]> => inner.lookup(keys), { isDependencyFailure: isOutageOrMisconfiguration, ...opts });
  return { name: inner.name, lookup: (keys) => guarded(keys), breaker: guarded.breaker };
}

/** A cached asset match: a copy saying `cacheHit: true`, so a caller that edits it cannot change later answers. */
export const markAssetHit = (m: AssetMatch): AssetMatch => ({
  key: m.key,
  asset: {
    ...m.asset,
    ips: [...m.asset.ips],
    tags: [...m.asset.tags],
    provenance: { ...m.asset.provenance, cacheHit: true },
  },
});

/** A cached user match, copied and marked `cacheHit: true`. */
export const markUserHit = (m: UserMatch): UserMatch => ({
  key: m.key,
  user: {
    ...m.user,
    privilegedGroups: [...m.user.privilegedGroups],
    provenance: { ...m.user.provenance, cacheHit: true },
  },
});
