import { describe, expect, it } from 'vitest';
import { parseWebhookSubscribers, type WebhookSubscriber } from '../src/webhooks/config.ts';
import { classifyAnswer, signedHeaders, wants } from '../src/webhooks/decide.ts';
import { decisionFixture } from './support/decision.ts';
import { verifyStandardWebhook } from './support/webhook-subscriber.ts';

const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
const entry = (over: object = {}) => ({ name: 'siem', url: 'https://hooks.example.org/soc', types: ['soc.decision.made.v2'], keys: [{ keyId: 'k1', secretEnv: 'HOOK_SECRET' }], ...over });
const parse = (entries: readonly object[], env: Record<string, string> = { HOOK_SECRET: SECRET }, allowLoopback = false) =>
  parseWebhookSubscribers({ subscribers: entries }, { env, allowLoopback });

describe('webhook subscriber file', () => {
  it('accepts a valid subscriber and decodes its whsec_ key', () => {
    const r = parse([entry({ filter: { minSeverity: 'high', verdicts: ['true-positive'], tenants: ['contoso'] } })]);
    expect(r.ok && r.subscribers[0]).toMatchObject({ name: 'siem', timeoutMs: 5000, keys: [{ keyId: 'k1', secret: Buffer.alloc(32, 7) }] });
  });

  it('names each bad field; never echoes a secret', () => {
    const leaked = `whsec_${Buffer.from('short').toString('base64')}`;
    const r = parse([entry({ url: 'http://hooks.example.org/' }), entry({ keys: [{ keyId: 'k', secretEnv: 'MISSING' }] }), entry({ name: 'b', keys: [{ keyId: 'k', secretEnv: 'WEAK' }] })], { HOOK_SECRET: SECRET, WEAK: leaked });
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems).toEqual([
      'subscribers.0.url: must be https (http only to loopback with OUTBOUND_WEBHOOKS_ALLOW_LOOPBACK=true, for tests)',
      'subscribers.1.name: "siem" is used twice',
      'subscribers.1.keys.0.secretEnv: MISSING is not set',
      'subscribers.2.keys.0.secretEnv: WEAK is not a whsec_ secret of at least 24 base64-encoded bytes',
    ]);
    expect(problems.join('\n')).not.toContain(leaked.slice(6));
  });

  it('rejects unknown types and fields, and loopback http unless the test flag is set', () => {
    const r = parse([entry({ types: ['soc.alert.received.v1'], extra: 1 })]);
    expect(r.ok ? [] : r.problems.map((p) => p.split(':')[0])).toEqual(expect.arrayContaining(['subscribers.0.types.0', 'subscribers.0']));
    expect(parse([entry({ url: 'http://127.0.0.1:9/x' })]).ok).toBe(false);
    expect(parse([entry({ url: 'http://127.0.0.1:9/x' })], undefined, true).ok).toBe(true);
    expect(parse([entry({ url: 'http://hooks.example.org/x' })], undefined, true).ok).toBe(false);
    expect(parse([entry({ url: 'https://user:pw@hooks.example.org/x' })]).ok).toBe(false);
  });

  it('a file written before version 2 that names soc.decision.made.v1 subscribes to the current version (issue 14)', () => {
    const r = parse([entry({ types: ['soc.decision.made.v1', 'soc.alert.triaged.v1'] })]);
    expect(r.ok && r.subscribers[0]?.types).toEqual(['soc.decision.made.v2', 'soc.alert.triaged.v1']);
  });
});

describe('which subscriber gets which event', () => {
  const sub = (filter: WebhookSubscriber['filter'], types: WebhookSubscriber['types'] = ['soc.decision.made.v2']): WebhookSubscriber =>
    ({ name: 's', url: 'https://x.example', types, filter, keys: [], timeoutMs: 1000 });
  const event = decisionFixture(); // contoso, high, true-positive

  it('by type', () => {
    expect(wants(sub({}), event)).toBe(true);
    expect(wants(sub({}, ['soc.alert.triaged.v1']), event)).toBe(false);
  });
  it('by severity at least', () => {
    expect(wants(sub({ minSeverity: 'medium' }), event)).toBe(true);
    expect(wants(sub({ minSeverity: 'high' }), event)).toBe(true);
    expect(wants(sub({ minSeverity: 'critical' }), event)).toBe(false);
  });
  it('by verdict and tenant', () => {
    expect(wants(sub({ verdicts: ['true-positive'] }), event)).toBe(true);
    expect(wants(sub({ verdicts: ['false-positive', 'benign-positive'] }), event)).toBe(false);
    expect(wants(sub({ tenants: ['contoso'] }), event)).toBe(true);
    expect(wants(sub({ tenants: ['fabrikam'] }), event)).toBe(false);
  });
});

describe('answers', () => {
  const now = new Date('2026-12-07T03:00:00Z');
  it('2xx delivered; 408, 429, 5xx and no answer retry; other statuses are permanent', () => {
    expect(classifyAnswer({ status: 202, retryAfter: null }, now).kind).toBe('delivered');
    for (const status of [408, 429, 500, 502, 503]) expect(classifyAnswer({ status, retryAfter: null }, now).kind).toBe('retry');
    for (const status of [301, 400, 401, 403, 404, 410, 413]) expect(classifyAnswer({ status, retryAfter: null }, now)).toEqual({ kind: 'rejected', reason: `HTTP ${status}` });
    expect(classifyAnswer({ error: 'no answer within 5000 ms' }, now)).toEqual({ kind: 'retry', reason: 'no answer within 5000 ms' });
  });
  it('reads Retry-After as seconds or an HTTP date, capped at an hour', () => {
    expect(classifyAnswer({ status: 429, retryAfter: '7' }, now)).toMatchObject({ retryAfterSeconds: 7 });
    expect(classifyAnswer({ status: 503, retryAfter: 'Mon, 07 Dec 2026 03:01:00 GMT' }, now)).toMatchObject({ retryAfterSeconds: 60 });
    expect(classifyAnswer({ status: 503, retryAfter: '999999' }, now)).toMatchObject({ retryAfterSeconds: 3600 });
    expect(classifyAnswer({ status: 503, retryAfter: 'soon' }, now)).toEqual({ kind: 'retry', reason: 'HTTP 503' });
  });
});

describe('signature', () => {
  it('matches the spec example (standardwebhooks.com test vector) checked by an independent verifier', () => {
    // The spec libraries' test vector: secret, id, timestamp and payload, and the signature they expect.
    const secret = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
    const headers = signedHeaders('msg_p5jXN8AQM9LWM0D4loKWxJek', 1614265330, '{"test": 2432232314}', [{ keyId: 'k', secret: Buffer.from(secret.slice(6), 'base64') }]);
    expect(headers['webhook-signature']).toBe('v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=');
    expect(verifyStandardWebhook(secret, headers, '{"test": 2432232314}', 1614265330)).toBe(true);
  });
});
