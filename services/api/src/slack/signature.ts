import { createHmac, timingSafeEqual } from 'node:crypto';
import { LRUCache } from 'lru-cache';

/** How far a request's `X-Slack-Request-Timestamp` may be from our clock, either way (Slack's own advice: 5 minutes). */
export const SLACK_REPLAY_WINDOW_MS = 5 * 60 * 1000;

/** Why a Slack request was not accepted; `ok` when its signature verified and its timestamp is fresh. */
export type SlackSignatureVerdict = { ok: true } | { ok: false; reason: 'missing-headers' | 'stale-timestamp' | 'bad-signature' };

/** What {@link verifySlackSignature} checks. */
export interface SlackSignatureInput {
  signingSecret: string;
  /** `X-Slack-Request-Timestamp`: Unix seconds. */
  timestamp: string | undefined;
  /** `X-Slack-Signature`: `v0=` and the hex HMAC. */
  signature: string | undefined;
  /** The body exactly as received (the HMAC covers these bytes, not a re-encoding). */
  rawBody: Buffer;
  nowMs: number;
}

/**
 * Slack's request signing (v0): HMAC-SHA256 with the app's signing secret over `v0:{timestamp}:{raw body}`, sent as
 * `v0=<hex>` in `X-Slack-Signature`. Compared in constant time; a timestamp more than 5 minutes off is refused
 * before any HMAC is computed, so a captured request is useless after the window (and {@link SlackReplayCache}
 * refuses it within).
 */
export function verifySlackSignature(input: SlackSignatureInput): SlackSignatureVerdict {
  const { timestamp, signature } = input;
  if (timestamp === undefined || signature === undefined || !/^\d{1,12}$/.test(timestamp) || !signature.startsWith('v0=')) return { ok: false, reason: 'missing-headers' };
  if (Math.abs(input.nowMs - Number(timestamp) * 1000) > SLACK_REPLAY_WINDOW_MS) return { ok: false, reason: 'stale-timestamp' };
  const expected = Buffer.from(`v0=${createHmac('sha256', input.signingSecret).update(`v0:${timestamp}:`).update(input.rawBody).digest('hex')}`);
  const given = Buffer.from(signature);
  // timingSafeEqual needs equal lengths; a length mismatch says nothing about the secret.
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, reason: 'bad-signature' };
  return { ok: true };
}

/**
 * The signatures of accepted Slack requests, remembered until their timestamp leaves the window, so the same signed
 * request is acted on once. Bounded; a live entry is never evicted (that would make its request replayable): when
 * full of live entries, new requests are refused until some expire. One process's memory: with several api
 * replicas, a replay sent to another replica within the 5 minutes is not seen here — the approval rules still
 * hold there (a decided request answers 409, four-eyes counts an approver once), so a replay can repeat an answer,
 * never a decision.
 */
export class SlackReplayCache {
  private readonly cache: LRUCache<string, true>;
  private readonly max: number;
  private readonly now: () => number;

  constructor(options: { maxEntries: number; now: () => number }) {
    this.max = options.maxEntries;
    this.now = options.now;
    this.cache = new LRUCache<string, true>({ max: options.maxEntries, ttlAutopurge: false, ttlResolution: 0, perf: { now: this.now } });
  }

  /** Records a verified signature until its timestamp leaves the window; `replayed` when it was seen, `full` when there is no room. */
  admit(signature: string, timestampSeconds: number): 'fresh' | 'replayed' | 'full' {
    if (this.cache.has(signature)) return 'replayed';
    if (this.cache.size >= this.max) {
      this.cache.purgeStale();
      if (this.cache.size >= this.max) return 'full';
    }
    this.cache.set(signature, true, { ttl: Math.max(1, timestampSeconds * 1000 + SLACK_REPLAY_WINDOW_MS - this.now()) });
    return 'fresh';
  }
}
