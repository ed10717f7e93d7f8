/**
 * Token buckets by key (a sender, a client address, one shared key for a global limit): `ratePerSecond` sustained,
 * `burst` at once. Ingestion counts alerts per sender with it; the console's sign-in counts attempts per address and
 * in all. Time comes from the caller.
 */
export class KeyedRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly ratePerMs: number;
  /** The most one request can ever cost: a body with more alerts than this can never pass. */
  readonly burst: number;

  constructor(ratePerSecond: number, burst: number) {
    this.ratePerMs = ratePerSecond / 1000;
    this.burst = Math.max(1, burst);
  }

  /**
   * Takes `cost` tokens at once, or none: 0 when allowed, otherwise the seconds until `cost` tokens are available
   * (for `Retry-After`).
   */
  take(key: string, nowMs: number, cost = 1): number {
    const bucket = this.buckets.get(key) ?? { tokens: this.burst, at: nowMs };
    bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, nowMs - bucket.at) * this.ratePerMs);
    bucket.at = nowMs;
    this.buckets.set(key, bucket);
    if (this.buckets.size > 10_000) this.forgetFull(nowMs);
    if (cost <= 0) return 0;
    if (bucket.tokens >= cost) {
      bucket.tokens -= cost;
      return 0;
    }
    return Math.max(1, Math.ceil((Math.min(cost, this.burst) - bucket.tokens) / this.ratePerMs / 1000));
  }

  /** Keys whose bucket has refilled are indistinguishable from new ones; dropping them bounds memory. */
  private forgetFull(nowMs: number): void {
    for (const [sender, b] of this.buckets) {
      if (b.tokens + (nowMs - b.at) * this.ratePerMs >= this.burst) this.buckets.delete(sender);
    }
  }
}
