import { describe, expect, it } from 'vitest';
import { SenderAuthenticator, signingInputV1 } from '../src/http/authenticator.ts';

// The worked example of the ingestion README ("HMAC signatures (v1)"): if this changes, senders' code breaks.
const EXAMPLE = {
  secret: 'example-secret-0123456789abcdef-0123456789',
  timestamp: '1764950400',
  nonce: '3f1c9a7e5b2d48c6a0e1f2d3c4b5a697',
  body: '{"id":"A-1","title":"Test","severity":"low"}',
  signature: 'v1=287aefc26a98bcf3cf0aa75283b44e4bb6054c8fab03bf53e3f4b80722d41a5c',
};

const authenticator = () =>
  new SenderAuthenticator({
    credentials: [{ kind: 'hmac', name: 'siem', secret: EXAMPLE.secret, sources: undefined, maxSkewSeconds: 300, allowLegacySignatures: false }],
    now: () => Number(EXAMPLE.timestamp) * 1000 + 5_000,
  });

async function verify(auth: SenderAuthenticator, source: string, method = 'POST', body = EXAMPLE.body) {
  const step = await auth.check({ signature: EXAMPLE.signature, timestamp: EXAMPLE.timestamp, nonce: EXAMPLE.nonce, method }, source);
  return step.ok === 'needs-body' ? step.verify(Buffer.from(body)) : step;
}

describe('HMAC signatures v1', () => {
  it('sign the documented canonical string, and the README example verifies', async () => {
    expect(signingInputV1({ timestamp: EXAMPLE.timestamp, nonce: EXAMPLE.nonce, method: 'post', source: 'generic' })).toBe(
      'v1:1764950400:3f1c9a7e5b2d48c6a0e1f2d3c4b5a697:POST:/api/v1/alerts/generic:',
    );
    expect(await verify(authenticator(), 'generic')).toEqual({ ok: true, principal: 'siem', name: 'siem' });
  });

  it('do not verify for another source, method or body', async () => {
    for (const [source, method, body] of [['splunk', 'POST', EXAMPLE.body], ['generic', 'PUT', EXAMPLE.body], ['generic', 'POST', `${EXAMPLE.body} `]] as const) {
      const result = await verify(authenticator(), source, method, body);
      expect(result).toMatchObject({ ok: false, reason: expect.stringContaining('does not match') });
    }
  });

  it('verify once: the same nonce again is a replay', async () => {
    const auth = authenticator();
    expect((await verify(auth, 'generic')).ok).toBe(true);
    expect(await verify(auth, 'generic')).toMatchObject({ ok: false, reason: expect.stringContaining('already used') });
  });
});
