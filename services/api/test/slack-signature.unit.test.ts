import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { SLACK_REPLAY_WINDOW_MS, SlackReplayCache, verifySlackSignature } from '../src/slack/signature.ts';

const SECRET = '8f742231b10e8888abcd99yyyzzz85a5';
const body = Buffer.from('payload=%7B%22type%22%3A%22block_actions%22%7D');
const ts = 1_765_000_000;
const sign = (raw: Buffer, t: number | string, secret = SECRET) => `v0=${createHmac('sha256', secret).update(`v0:${t}:`).update(raw).digest('hex')}`;
const check = (over: Partial<Parameters<typeof verifySlackSignature>[0]> = {}) =>
  verifySlackSignature({ signingSecret: SECRET, timestamp: String(ts), signature: sign(body, ts), rawBody: body, nowMs: ts * 1000, ...over });

describe('Slack request signatures (v0)', () => {
  it('accepts the HMAC of v0:{timestamp}:{raw body} within five minutes either way', () => {
    expect(check()).toEqual({ ok: true });
    expect(check({ nowMs: ts * 1000 + SLACK_REPLAY_WINDOW_MS })).toEqual({ ok: true });
    expect(check({ nowMs: ts * 1000 - SLACK_REPLAY_WINDOW_MS })).toEqual({ ok: true });
  });

  it('refuses another secret, another body, another timestamp, a truncated or unprefixed signature', () => {
    expect(check({ signature: sign(body, ts, 'other') })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check({ rawBody: Buffer.concat([body, Buffer.from('&x=1')]) })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check({ timestamp: String(ts + 1) })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check({ signature: sign(body, ts).slice(0, -2) })).toEqual({ ok: false, reason: 'bad-signature' });
    expect(check({ signature: sign(body, ts).slice(3) })).toEqual({ ok: false, reason: 'missing-headers' });
    expect(check({ signature: undefined })).toEqual({ ok: false, reason: 'missing-headers' });
    expect(check({ timestamp: '1e9' })).toEqual({ ok: false, reason: 'missing-headers' });
  });

  it('refuses a timestamp outside the window before anything else, even well signed', () => {
    expect(check({ nowMs: ts * 1000 + SLACK_REPLAY_WINDOW_MS + 1000 })).toEqual({ ok: false, reason: 'stale-timestamp' });
    expect(check({ nowMs: ts * 1000 - SLACK_REPLAY_WINDOW_MS - 1000 })).toEqual({ ok: false, reason: 'stale-timestamp' });
  });
});

describe('SlackReplayCache', () => {
  it('admits a signature once while its timestamp is in the window, and forgets it after', () => {
    let now = ts * 1000;
    const cache = new SlackReplayCache({ maxEntries: 10, now: () => now });
    expect(cache.admit('v0=a', ts)).toBe('fresh');
    expect(cache.admit('v0=a', ts)).toBe('replayed');
    now += SLACK_REPLAY_WINDOW_MS - 1;
    expect(cache.admit('v0=a', ts)).toBe('replayed');
    now += 2; // past the window: the signature check refuses the timestamp from here on
    expect(cache.admit('v0=a', ts)).toBe('fresh');
  });

  it('when full of live entries refuses new ones instead of evicting one (that would make it replayable)', () => {
    let now = ts * 1000;
    const cache = new SlackReplayCache({ maxEntries: 2, now: () => now });
    expect([cache.admit('v0=a', ts), cache.admit('v0=b', ts), cache.admit('v0=c', ts)]).toEqual(['fresh', 'fresh', 'full']);
    expect(cache.admit('v0=a', ts)).toBe('replayed');
    now += SLACK_REPLAY_WINDOW_MS + 1;
    expect(cache.admit('v0=c', ts + 400)).toBe('fresh');
  });
});
