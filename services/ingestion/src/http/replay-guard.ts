import { LRUCache } from 'lru-cache';

/** What {@link ReplayGuard.admit} found: a first use, a second one, or no room to remember one more. */
export type ReplayVerdict = 'fresh' | 'replayed' | 'full';

/**
 * Remembers each signed request's nonce (per credential) for as long as its timestamp is acceptable, so a captured
 * request cannot be sent again within the clock-skew window. Only requests whose signature verified are
 * remembered, so only the credential's holder fills its cache. Memory is bounded per credential; an entry is never
 * evicted while it is live (that would make its request replayable): when the cache is full of live entries, new
 * requests are refused as retryable until some expire. One process's memory: see the ingestion README for replicas.
 */
export class ReplayGuard {
  private readonly caches = new Map<string, LRUCache<string, true>>();
  private readonly maxEntries: number;
  private readonly now: () => number;

  constructor(options: { maxEntriesPerCredential: number; now: () => number }) {
    this.maxEntries = options.maxEntriesPerCredential;
    this.now = options.now;
  }

  /** Records `nonce` of `credential` as used until `untilMs`, unless it already was (a replay) or there is no room. */
  admit(credential: string, nonce: string, untilMs: number): ReplayVerdict {
    const cache = this.cacheOf(credential);
    if (cache.has(nonce)) return 'replayed';
    if (cache.size >= this.maxEntries) {
      cache.purgeStale();
      if (cache.size >= this.maxEntries) return 'full';
    }
    cache.set(nonce, true, { ttl: Math.max(1, untilMs - this.now()) });
    return 'fresh';
  }

  private cacheOf(credential: string): LRUCache<string, true> {
    let cache = this.caches.get(credential);
    if (cache === undefined) {
      // The clock is the caller's, read on every check (ttlResolution 0), so tests and replicas agree on expiry.
      cache = new LRUCache<string, true>({ max: this.maxEntries, ttlAutopurge: false, ttlResolution: 0, perf: { now: this.now } });
      this.caches.set(credential, cache);
    }
    return cache;
  }
}
