import express from 'express';
import { ALL_SERVICES } from '@soc/all-in-one';
import { runServices } from '@soc/platform';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpServer, listen } from '@soc/http';
import { ADMIN_TOKEN, ANALYST_TOKEN, PRINCIPALS, VIEWER_TOKEN, checkApiResponse, startSystem } from './support.ts';

const TID = '0f0e0d0c-0000-4000-8000-000000000001';
const AUDIENCE = 'api://soc-copilot-test';

let system: Awaited<ReturnType<typeof startSystem>>;
let jwks: HttpServer;
let key: CryptoKey;
let issuer: string;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  key = pair.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'test-1', alg: 'RS256', use: 'sig' };
  const app = express();
  app.get('/keys', (_req, res) => {
    res.json({ keys: [jwk] });
  });
  jwks = await listen(app, 0, '127.0.0.1');
  issuer = `https://login.example.test/${TID}/v2.0`;
  system = await startSystem({
    SOC_API_ENTRA_TENANT_ID: TID,
    SOC_API_ENTRA_AUDIENCE: AUDIENCE,
    SOC_API_ENTRA_ISSUER: issuer,
    SOC_API_ENTRA_JWKS_URL: `${jwks.url}/keys`,
    SOC_API_ENTRA_ROLE_MAP: 'SOC.Viewer:viewer,SOC.Analyst:analyst',
    SOC_API_ENTRA_TENANTS: 'lead@contoso.com:*',
    SOC_SESSION_HOURS: '10',
  });
});
afterAll(async () => {
  await system?.close();
  await jwks?.close();
});

const entraToken = (claims: Record<string, unknown>) =>
  new SignJWT({ tid: TID, oid: '00000000-0000-0000-0000-0000000000aa', ...claims })
    .setProtectedHeader({ alg: 'RS256', kid: 'test-1' })
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setIssuedAt()
    .setExpirationTime('10m')
    .sign(key);

interface Sent {
  method?: string;
  body?: unknown;
  headers?: Record<string, string>;
}
async function send(path: string, init: Sent = {}) {
  const method = init.method ?? (init.body === undefined ? 'GET' : 'POST');
  const res = await fetch(`${system.url}${path}`, {
    method,
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...init.headers },
    ...(init.body === undefined ? {} : { body: JSON.stringify(init.body) }),
  });
  const text = await res.text();
  checkApiResponse({ method, path, status: res.status, contentType: res.headers.get('content-type'), body: text });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: res.status, headers: res.headers, text, body: text ? (JSON.parse(text) as any) : undefined };
}

/** Signs in with a token; returns the cookie pair to send back and the CSRF token. */
async function signIn(token: string) {
  const res = await send('/auth/session', { body: { token } });
  expect(res.status).toBe(201);
  const setCookie = res.headers.get('set-cookie') ?? '';
  return { setCookie, cookie: setCookie.split(';')[0]!, csrf: res.body.csrfToken as string, body: res.body };
}

describe('Entra ID bearer JWTs at the API', () => {
  it('an Entra access token reads the API with its mapped roles and configured tenants', async () => {
    const token = await entraToken({ preferred_username: 'lead@contoso.com', roles: ['SOC.Viewer'] });
    const cases = await send('/api/v1/cases', { headers: { authorization: `Bearer ${token}` } });
    expect(cases.status).toBe(200);
    const dispose = await send('/api/v1/alerts/whatever/disposition', { headers: { authorization: `Bearer ${token}` }, body: { disposition: 'false-positive' } });
    expect(dispose.status).toBe(403);
    expect(dispose.body).toMatchObject({ type: 'urn:soc:problem:missing-role', role: 'analyst' });
    expect(dispose.text).toContain('lead@contoso.com');
  });

  it('a token for another audience is 401 invalid_token', async () => {
    const token = await new SignJWT({ tid: TID, preferred_username: 'lead@contoso.com', roles: ['SOC.Viewer'] })
      .setProtectedHeader({ alg: 'RS256', kid: 'test-1' })
      .setIssuer(issuer)
      .setAudience('api://someone-else')
      .setIssuedAt()
      .setExpirationTime('10m')
      .sign(key);
    const res = await send('/api/v1/cases', { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(401);
    expect(res.headers.get('www-authenticate')).toContain('error="invalid_token"');
    expect(res.text).not.toContain(token);
  });
});

describe('console session (local token exchanged for a cookie)', () => {
  it('sets an HttpOnly, SameSite=Strict, Path=/ cookie for the session lifetime, and never echoes the token', async () => {
    const { setCookie, body } = await signIn(VIEWER_TOKEN);
    expect(setCookie).toMatch(/^soc_session=[A-Za-z0-9_-]{43}; /);
    expect(setCookie).toMatch(/; HttpOnly/);
    expect(setCookie).toMatch(/; SameSite=Strict/);
    expect(setCookie).toMatch(/; Path=\//);
    expect(setCookie).toMatch(/Max-Age=36000/);
    expect(setCookie).not.toMatch(/Secure/); // served over plain http, SOC_COOKIE_SECURE unset
    expect(body).toMatchObject({ principal: PRINCIPALS.viewer, roles: ['viewer'], tenants: ['default'], signedInWith: 'token' });
    expect(JSON.stringify(body)).not.toContain(VIEWER_TOKEN);
  });

  it('GET /auth/session says who is signed in; the cookie authenticates GETs of /api', async () => {
    const { cookie, csrf } = await signIn(VIEWER_TOKEN);
    const me = await send('/auth/session', { headers: { cookie } });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ principal: PRINCIPALS.viewer, csrfToken: csrf });
    expect(me.headers.get('cache-control')).toBe('no-store');
    expect((await send('/api/v1/cases', { headers: { cookie } })).status).toBe(200);
  });

  it('an unsafe method authenticated by the cookie needs the session\'s X-CSRF-Token and this origin', async () => {
    const { cookie, csrf } = await signIn(ANALYST_TOKEN);
    const other = await signIn(VIEWER_TOKEN);
    const path = '/api/v1/alerts/no-such-alert/disposition';
    const body = { disposition: 'false-positive' };
    const attempts: Record<string, string>[] = [{ cookie }, { cookie, 'x-csrf-token': 'not-the-token' }, { cookie, 'x-csrf-token': other.csrf }, { cookie, 'x-csrf-token': csrf, origin: 'https://evil.example' }];
    for (const headers of attempts) {
      const refused = await send(path, { headers, body });
      expect(refused.status).toBe(403);
      expect(refused.body.type).toBe('urn:soc:problem:csrf');
    }
    // With both, authentication passes and the route answers (an unknown alert).
    const passed = await send(path, { headers: { cookie, 'x-csrf-token': csrf, origin: system.url }, body });
    expect(passed.status).toBe(404);
    // A bearer token needs no CSRF token.
    expect((await send(path, { headers: { authorization: `Bearer ${ANALYST_TOKEN}` }, body })).status).toBe(404);
  });

  it('a bearer header wins over the cookie: a bad one is 401 even with a good session', async () => {
    const { cookie } = await signIn(VIEWER_TOKEN);
    const res = await send('/api/v1/cases', { headers: { cookie, authorization: 'Bearer not-a-valid-token-000000' } });
    expect(res.status).toBe(401);
  });

  it('signing in again issues a new session id and ends the one this browser had (no fixation)', async () => {
    const first = await signIn(VIEWER_TOKEN);
    const res = await send('/auth/session', { body: { token: VIEWER_TOKEN }, headers: { cookie: first.cookie } });
    const second = (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    expect(second).not.toBe(first.cookie);
    expect((await send('/api/v1/cases', { headers: { cookie: first.cookie } })).status).toBe(401);
    expect((await send('/api/v1/cases', { headers: { cookie: second } })).status).toBe(200);
  });

  it('DELETE /auth/session signs out (with the CSRF token): the cookie is cleared and no longer authenticates', async () => {
    const { cookie, csrf } = await signIn(VIEWER_TOKEN);
    expect((await send('/auth/session', { method: 'DELETE', headers: { cookie } })).status).toBe(403);
    const out = await send('/auth/session', { method: 'DELETE', headers: { cookie, 'x-csrf-token': csrf } });
    expect(out.status).toBe(204);
    expect(out.headers.get('set-cookie')).toMatch(/^soc_session=; .*Expires=Thu, 01 Jan 1970/);
    expect((await send('/auth/session', { headers: { cookie } })).status).toBe(401);
    const api = await send('/api/v1/cases', { headers: { cookie } });
    expect(api.status).toBe(401);
    expect(api.body.detail).toContain('console session is not valid');
    // Both ends are on the audit trail, by principal and a session reference; never the cookie's value or the token.
    const records = await system.platform.audit.list({ stream: 'session', limit: 100 });
    const id = cookie.split('=')[1]!;
    const mine = records.filter((r) => r.subject === records.find((x) => x.kind === 'session.closed')?.subject);
    expect(mine.map((r) => [r.kind, r.actor, r.data.via])).toEqual([['session.closed', PRINCIPALS.viewer, 'token'], ['session.opened', PRINCIPALS.viewer, 'token']]);
    expect(JSON.stringify(records)).not.toContain(id);
    expect(JSON.stringify(records)).not.toContain(VIEWER_TOKEN);
  });

  it('refuses a wrong token, a malformed body, an oversized body and a cross-origin sign-in, setting no cookie', async () => {
    const wrong = await send('/auth/session', { body: { token: 'wrong-token-0123456789abcdef' } });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(wrong.text).not.toContain('wrong-token-0123456789abcdef');
    expect((await send('/auth/session', { body: { tok: VIEWER_TOKEN } })).status).toBe(400);
    expect((await send('/auth/session', { body: { token: 'x'.repeat(20_000) } })).status).toBe(413);
    const cross = await send('/auth/session', { body: { token: VIEWER_TOKEN }, headers: { origin: 'https://evil.example' } });
    expect(cross.status).toBe(403);
    expect(cross.headers.get('set-cookie')).toBeNull();
    expect((await send('/auth/session')).status).toBe(401);
    expect((await send('/api/v1/cases', { headers: { cookie: 'soc_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' } })).status).toBe(401);
  });
});

describe('a token session follows configuration live', () => {
  it('a principal removed from SOC_API_TOKENS loses its open sessions at the next start; one whose roles change gets the new ones', async () => {
    const first = await startSystem();
    const signInAt = async (url: string, token: string) => {
      const res = await fetch(`${url}/auth/session`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ token }) });
      return (res.headers.get('set-cookie') ?? '').split(';')[0]!;
    };
    const vera = await signInAt(first.url, VIEWER_TOKEN);
    const root = await signInAt(first.url, ADMIN_TOKEN);
    await first.close();
    // The same installation (data directory, so the same sessions), configured without vera and with root a viewer.
    const second = await runServices(ALL_SERVICES, {
      env: { SOC_DATA_DIR: first.dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SOC_API_TOKENS: `${PRINCIPALS.admin}:${ADMIN_TOKEN}`, SOC_API_ROLES: `${PRINCIPALS.admin}:viewer` },
      handleSignals: false,
    });
    try {
      expect((await fetch(`${second.url}/api/v1/cases`, { headers: { cookie: vera } })).status).toBe(401);
      expect((await fetch(`${second.url}/auth/session`, { headers: { cookie: vera } })).status).toBe(401);
      const me = (await (await fetch(`${second.url}/auth/session`, { headers: { cookie: root } })).json()) as { principal: string; roles: string[]; csrfToken: string };
      expect(me).toMatchObject({ principal: PRINCIPALS.admin, roles: ['viewer'] });
      const freeze = await fetch(`${second.url}/api/v1/containment/freeze`, { method: 'PUT', headers: { cookie: root, 'x-csrf-token': me.csrfToken, 'content-type': 'application/json' }, body: JSON.stringify({ frozen: true, reason: 'test' }) });
      expect(freeze.status).toBe(403);
      expect(await freeze.json()).toMatchObject({ type: 'urn:soc:problem:missing-role', role: 'admin' });
    } finally {
      await second.close();
    }
  });
});
