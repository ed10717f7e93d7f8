import { request } from 'node:http';
import express from 'express';
import { SignJWT, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listen } from '@soc/http';
import { PRINCIPALS, VIEWER_TOKEN, checkApiResponse, startSystem } from './support.ts';

// One running system, heartbeats every second, five sign-in attempts a minute per address and twenty in all.
// Requests come from distinct loopback addresses (127.0.0.x), as distinct clients would.
let system: Awaited<ReturnType<typeof startSystem>>;
beforeAll(async () => {
  system = await startSystem({ SOC_SSE_HEARTBEAT_SECONDS: '1', SOC_SIGN_IN_PER_ADDRESS_PER_MINUTE: '5', SOC_SIGN_IN_GLOBAL_PER_MINUTE: '20' });
});
afterAll(async () => {
  await system?.close();
});

interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: () => string;
  ended: Promise<void>;
}

/** A request from `from` (a loopback address); the answer as it streams in. */
function call(path: string, init: { method?: string; body?: unknown; headers?: Record<string, string>; from?: string } = {}): Promise<Answer> {
  const url = new URL(path, system.url);
  const body = init.body === undefined ? undefined : JSON.stringify(init.body);
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      { method: init.method ?? (body === undefined ? 'GET' : 'POST'), localAddress: init.from ?? '127.0.0.1', headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers } },
      (res) => {
        let raw = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          raw += chunk;
        });
        const ended = new Promise<void>((done) => {
          res.on('end', done);
          res.on('close', done);
        });
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text: () => raw, ended });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

async function signIn(token: string, from?: string, headers?: Record<string, string>) {
  const res = await call('/auth/session', { body: { token }, ...(from ? { from } : {}), ...(headers ? { headers } : {}) });
  await res.ended;
  return res;
}

async function until(probe: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('a live stream ends when its session ends', () => {
  it('signing out elsewhere ends the cookie\'s stream with signed-out within a heartbeat', async () => {
    const signedIn = await signIn(VIEWER_TOKEN);
    expect(signedIn.status).toBe(201);
    const cookie = String(signedIn.headers['set-cookie']).split(';')[0]!;
    const csrf = (JSON.parse(signedIn.text()) as { csrfToken: string }).csrfToken;
    const stream = await call('/api/v1/events', { headers: { cookie, accept: 'text/event-stream' } });
    expect(stream.status).toBe(200);
    await until(() => stream.text().includes('event: heartbeat'), 'a heartbeat');
    const out = await call('/auth/session', { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.status).toBe(204);
    const signedOut = Date.now();
    await stream.ended;
    expect(Date.now() - signedOut).toBeLessThan(2_500); // one heartbeat is 1 s
    expect(stream.text()).toMatch(/event: signed-out\ndata: \{\}\n\n$/);
  });
});

describe('sign-in attempts are limited per address and in all', () => {
  it('answers 429 with Retry-After after five attempts from one address, audits the failures without the token, and lets another address in', async () => {
    const from = '127.0.0.2';
    const guesses = ['wrong-token-0000000000000001', 'wrong-token-0000000000000002', 'wrong-token-0000000000000003', 'wrong-token-0000000000000004', 'wrong-token-0000000000000005'];
    for (const token of guesses) expect((await signIn(token, from)).status).toBe(401);
    const refused = await signIn(VIEWER_TOKEN, from);
    expect(refused.status).toBe(429);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(refused.headers['content-type']).toMatch(/^application\/problem\+json/);
    expect(JSON.parse(refused.text())).toMatchObject({ status: 429, type: 'urn:soc:problem:too-many-sign-ins' });
    expect(refused.headers['set-cookie']).toBeUndefined();
    const other = await signIn(VIEWER_TOKEN, '127.0.0.3');
    expect(other.status).toBe(201);
    expect(JSON.parse(other.text())).toMatchObject({ principal: PRINCIPALS.viewer });
    const records = await system.platform.audit.list({ stream: 'session', limit: 100 });
    const refusals = records.filter((r) => r.kind === 'session.refused' && r.subject === `address:${from}`);
    expect(refusals).toHaveLength(5); // the attempts the limit refused were not audited: a flood cannot fill the trail
    expect(refusals[0]).toMatchObject({ actor: 'anonymous', data: { via: 'token', reason: 'unknown token' } });
    for (const token of [...guesses, VIEWER_TOKEN]) expect(JSON.stringify(records)).not.toContain(token);
  });

  it('counts by the TCP peer, not by an X-Forwarded-For a client sends, unless SOC_TRUST_PROXY_HOPS says so', async () => {
    const from = '127.0.0.9';
    for (let i = 0; i < 5; i++) expect((await signIn('wrong-token-spoofed-000000', from, { 'x-forwarded-for': `198.51.100.${i}` })).status).toBe(401);
    const sixth = await signIn(VIEWER_TOKEN, from, { 'x-forwarded-for': '198.51.100.99' });
    expect(sixth.status).toBe(429);
    expect(JSON.parse(sixth.text()).detail).toContain('this address');
  });

  it('answers 429 to everyone once all addresses together have used the global budget', async () => {
    let answer: Answer | undefined;
    // Two attempts per address stay within each address's five; the global twenty (plus what refilled) run out.
    for (let i = 0; i < 60 && answer?.status !== 429; i++) answer = await signIn(`wrong-token-global-${String(i).padStart(8, '0')}`, `127.0.1.${Math.floor(i / 2) + 1}`);
    expect(answer?.status).toBe(429);
    expect(JSON.parse(answer!.text()).detail).not.toContain('this address');
    expect((await signIn(VIEWER_TOKEN, '127.0.2.1')).status).toBe(429);
  });
});

describe('behind a trusted proxy (SOC_TRUST_PROXY_HOPS=1)', () => {
  let proxied: Awaited<ReturnType<typeof startSystem>>;
  beforeAll(async () => {
    proxied = await startSystem({ SOC_TRUST_PROXY_HOPS: '1', SOC_SIGN_IN_PER_ADDRESS_PER_MINUTE: '2', SOC_SIGN_IN_GLOBAL_PER_MINUTE: '100' });
  });
  afterAll(async () => {
    await proxied?.close();
  });
  const attempt = async (forwardedFor: string) => {
    const res = await fetch(`${proxied.url}/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': forwardedFor }, body: JSON.stringify({ token: 'wrong-token-behind-proxy-00' }) });
    await res.text();
    return res.status;
  };

  it('counts each client by the address the proxy saw (the last X-Forwarded-For entry), not what the client put before it', async () => {
    expect(await attempt('203.0.113.5')).toBe(401);
    expect(await attempt('10.9.9.9, 203.0.113.5')).toBe(401);
    expect(await attempt('10.9.9.8, 203.0.113.5')).toBe(429); // a forged first entry buys no new budget
    expect(await attempt('203.0.113.6')).toBe(401); // another client behind the same proxy has its own
  });
});

describe('Entra ID bearer JWTs while the key set cannot be fetched', () => {
  const TID = '0f0e0d0c-0000-4000-8000-000000000002';
  let entra: Awaited<ReturnType<typeof startSystem>>;
  beforeAll(async () => {
    const down = await listen(express(), 0, '127.0.0.1');
    const jwksUrl = `${down.url}/keys`;
    await down.close(); // nothing listens there any more
    entra = await startSystem({ SOC_API_ENTRA_TENANT_ID: TID, SOC_API_ENTRA_AUDIENCE: 'api://soc-copilot-test', SOC_API_ENTRA_JWKS_URL: jwksUrl });
  });
  afterAll(async () => {
    await entra?.close();
  });

  it('answers 503 with Retry-After (documented for every bearer route), not 401; API tokens keep working', async () => {
    const { privateKey } = await generateKeyPair('RS256');
    const jwt = await new SignJWT({ tid: TID, preferred_username: 'lead@contoso.com', roles: ['viewer'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
      .setIssuer(`https://login.microsoftonline.com/${TID}/v2.0`)
      .setAudience('api://soc-copilot-test')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(privateKey);
    const res = await fetch(`${entra.url}/api/v1/cases`, { headers: { authorization: `Bearer ${jwt}` } });
    const body = await res.text();
    expect(res.status).toBe(503);
    expect(res.headers.get('retry-after')).toBe('30');
    expect(res.headers.get('www-authenticate')).toBeNull();
    expect(body).not.toContain(jwt);
    checkApiResponse({ method: 'GET', path: '/api/v1/cases', status: res.status, contentType: res.headers.get('content-type'), body });
    expect((await fetch(`${entra.url}/api/v1/cases`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } })).status).toBe(200);
  });
});
