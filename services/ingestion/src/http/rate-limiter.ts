/** Per-sender token buckets: `ratePerSecond` sustained, `burst` at once. Time comes from the caller. */
export class SenderRateLimiter {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly ratePerMs: number;
  private readonly burst: number;

  constructor(ratePerSecond: number, burst: number) {
    this.ratePerMs = ratePerSecond / 1000;
    this.burst = Math.max(1, burst);
  }

  /** Takes one token: 0 when allowed, otherwise the seconds until one is available (for `Retry-After`). */
  take(sender: string, nowMs: number): number {
    const bucket = this.buckets.get(sender) ?? { tokens: this.burst, at: nowMs };
    bucket.tokens = Math.min(this.burst, bucket.tokens + Math.max(0, nowMs - bucket.at) * this.ratePerMs);
    bucket.at = nowMs;
    this.buckets.set(sender, bucket);
    if (this.buckets.size > 10_000) this.forgetFull(nowMs);
    if (bucket.tokens >= 1) {
      bucket.tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - bucket.tokens) / this.ratePerMs / 1000));
  }

  /** Senders whose bucket has refilled are indistinguishable from new ones; dropping them bounds memory. */
  private forgetFull(nowMs: number): void {
    for (const [sender, b] of this.buckets) {
      if (b.tokens + (nowMs - b.at) * this.ratePerMs >= this.burst) this.buckets.delete(sender);
    }
  }
}
