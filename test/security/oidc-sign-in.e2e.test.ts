import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem } from './support.ts';

/**
 * Console sign-in with OpenID Connect against a real OpenID provider (oidc-provider, in this process, its development
 * login and consent forms), driven with fetch the way a browser would: redirects followed by hand, one cookie jar per
 * origin.
 */

const CLIENT_ID = 'soc-console';
let provider: Server;
let issuer: string;
let system: Awaited<ReturnType<typeof startSystem>>;
/** The claims of each test account, by login name. */
const ACCOUNTS: Record<string, Record<string, unknown>> = {
  alice: { preferred_username: 'alice@contoso.com', roles: ['SOC.Approver', 'Not.Ours'] },
  vera: { preferred_username: 'vera', roles: ['SOC.Viewer'] }, // named like an API token principal of startSystem
};

beforeAll(async () => {
  let handler: (req: IncomingMessage, res: ServerResponse) => void = (_req, res) => res.end();
  provider = createServer((req, res) => handler(req, res));
  await new Promise<void>((resolve) => provider.listen(0, '127.0.0.1', resolve));
  issuer = `http://127.0.0.1:${(provider.address() as AddressInfo).port}`;
  // The console's redirect URI derives from SOC_PUBLIC_URL: the system gets a port known before it starts.
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise((resolve) => probe.close(resolve));
  const publicUrl = `http://127.0.0.1:${port}`;
  const oidcProvider = new Provider(issuer, {
    clients: [{ client_id: CLIENT_ID, token_endpoint_auth_method: 'none', redirect_uris: [`${publicUrl}/auth/callback`], grant_types: ['authorization_code'], response_types: ['code'] }],
    claims: { openid: ['sub'], profile: ['preferred_username', 'roles'] },
    conformIdTokenClaims: false,
    pkce: { required: () => true },
    cookies: { keys: ['test-cookie-key-0123456789'] },
    findAccount: (_ctx, id) => ({ accountId: id, claims: () => ({ sub: id, ...(ACCOUNTS[id] ?? {}) }) }),
  });
  handler = oidcProvider.callback();
  system = await startSystem({
    PORT: String(port),
    SOC_PUBLIC_URL: publicUrl,
    SOC_CONSOLE_OIDC_ISSUER: issuer,
    SOC_CONSOLE_OIDC_CLIENT_ID: CLIENT_ID,
    SOC_API_ENTRA_ROLE_MAP: 'SOC.Viewer:viewer,SOC.Approver:approver',
    SOC_API_ENTRA_TENANTS: 'alice@contoso.com:contoso',
    SOC_SESSION_OIDC_HOURS: '2',
  });
});
afterAll(async () => {
  await system?.close();
  await new Promise((resolve) => provider?.close(resolve));
});

/** A browser, roughly: a cookie jar per origin, redirects followed by hand. */
function browser() {
  const jars = new Map<string, Map<string, string>>();
  const jarOf = (url: URL) => jars.get(url.origin) ?? jars.set(url.origin, new Map()).get(url.origin)!;
  async function request(url: string, init: { method?: string; form?: Record<string, string> } = {}) {
    const target = new URL(url);
    const jar = jarOf(target);
    const res = await fetch(target, {
      method: init.method ?? (init.form ? 'POST' : 'GET'),
      redirect: 'manual',
      headers: { cookie: [...jar].map(([k, v]) => `${k}=${v}`).join('; '), ...(init.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}) },
      ...(init.form ? { body: new URLSearchParams(init.form).toString() } : {}),
    });
    for (const line of res.headers.getSetCookie()) {
      const [pair = ''] = line.split(';');
      const i = pair.indexOf('=');
      const value = pair.slice(i + 1);
      if (value === '' || /expires=Thu, 01 Jan 1970/i.test(line)) jar.delete(pair.slice(0, i));
      else jar.set(pair.slice(0, i), value);
    }
    return { res, location: res.headers.get('location') === null ? undefined : new URL(res.headers.get('location')!, target).href, text: await res.text() };
  }
  /** Follows redirects until one leaves for `stopAt` (not followed) or a page answers. */
  async function follow(url: string, stopAt?: string, init?: { form?: Record<string, string> }) {
    let step = await request(url, init);
    while (step.location !== undefined && !(stopAt !== undefined && step.location.startsWith(stopAt))) step = await request(step.location);
    return step;
  }
  return { request, follow, jarOf };
}

/** Signs in at the provider as `login`; returns the callback URL the provider redirects the browser to (not yet opened). */
async function throughProvider(b: ReturnType<typeof browser>, login: string): Promise<string> {
  const start = await b.request(`${system.url}/auth/login`);
  expect(start.res.status).toBe(302);
  const authorize = new URL(start.location!);
  expect(authorize.origin).toBe(issuer);
  expect(authorize.searchParams.get('code_challenge_method')).toBe('S256');
  for (const p of ['state', 'nonce', 'code_challenge']) expect(authorize.searchParams.get(p)).toMatch(/^[A-Za-z0-9_-]{20,}$/);
  let page = await b.follow(start.location!, `${system.url}/`);
  const submit = (html: string) => new URL(/action="([^"]+)"/.exec(html)![1]!, issuer).href;
  page = await b.follow(submit(page.text), `${system.url}/`, { form: { prompt: 'login', login, password: 'any' } });
  if (page.location === undefined) page = await b.follow(submit(page.text), `${system.url}/`, { form: { prompt: 'consent' } });
  expect(page.location).toMatch(new RegExp(`^${system.url}/auth/callback\\?`));
  return page.location!;
}

describe('console sign-in with OpenID Connect', () => {
  it('signs in with authorization code + PKCE: a session for the ID token\'s principal, its app roles mapped, tenants from configuration', async () => {
    const b = browser();
    const callback = await throughProvider(b, 'alice');
    const done = await b.request(callback);
    expect(done.res.status).toBe(303);
    expect(done.location).toBe(`${system.url}/`);
    const setCookie = done.res.headers.getSetCookie().find((c) => c.startsWith('soc_session='));
    expect(setCookie).toMatch(/HttpOnly/);
    expect(setCookie).toMatch(/SameSite=Strict/);
    // The session keeps the ID token's roles, so it lasts SOC_SESSION_OIDC_HOURS (2), not SOC_SESSION_HOURS (12).
    expect(setCookie).toMatch(/Max-Age=7200;/);
    const me = await b.request(`${system.url}/auth/session`);
    expect(me.res.status).toBe(200);
    const { expiresAt } = JSON.parse(me.text) as { expiresAt: string };
    expect(Date.parse(expiresAt) - Date.now()).toBeGreaterThan(7200_000 - 60_000);
    expect(Date.parse(expiresAt) - Date.now()).toBeLessThanOrEqual(7200_000);
    expect(JSON.parse(me.text)).toMatchObject({ principal: 'alice@contoso.com', roles: ['viewer', 'approver'], tenants: ['contoso'], signedInWith: 'oidc' });
    expect((await b.request(`${system.url}/api/v1/cases`)).res.status).toBe(200);
    // The ID token and code stay out of the session answer and the audit trail, which records the sign-in.
    expect(me.text).not.toMatch(/eyJ/);
    const opened = (await system.platform.audit.list({ stream: 'session', limit: 100 })).filter((r) => r.kind === 'session.opened');
    expect(opened.map((r) => [r.actor, r.data.via])).toContainEqual(['alice@contoso.com', 'oidc']);
    expect(JSON.stringify(opened)).not.toMatch(/eyJ|code=/);
  });

  it('rejects a replayed callback', async () => {
    const b = browser();
    const callback = await throughProvider(b, 'alice');
    const login = [...b.jarOf(new URL(system.url))].find(([k]) => k === 'soc_login')!;
    expect((await b.request(callback)).res.status).toBe(303);
    // The same callback again, even with the login cookie put back: the sign-in was taken.
    b.jarOf(new URL(system.url)).set(login[0], login[1]);
    const replay = await b.request(callback);
    expect(replay.res.status).toBe(400);
    expect(JSON.parse(replay.text)).toMatchObject({ type: 'urn:soc:problem:sign-in-failed' });
  });

  it('rejects a state that does not match this browser\'s sign-in (another browser\'s callback, a forged state)', async () => {
    const victim = browser();
    const attacker = browser();
    const callback = await throughProvider(attacker, 'alice');
    // Login CSRF: the attacker's callback opened in the victim's browser.
    expect((await victim.request(callback)).res.status).toBe(400);
    const forged = new URL(callback);
    forged.searchParams.set('state', 'forged-state-0123456789abcdefghij');
    expect((await attacker.request(forged.href)).res.status).toBe(400);
    expect(victim.jarOf(new URL(system.url)).has('soc_session')).toBe(false);
  });

  it('rejects a callback whose sign-in lost its PKCE verifier, or whose nonce is not the ID token\'s', async () => {
    for (const tamper of [{ codeVerifier: undefined }, { nonce: 'another-nonce-0123456789' }]) {
      const b = browser();
      const callback = await throughProvider(b, 'alice');
      // The sign-in under way, as the API stored it (the provider's answer is already on its way back).
      const pending = await system.platform.state.query<Record<string, unknown>>('console-logins', { limit: 1000 });
      expect(pending.length).toBeGreaterThan(0);
      for (const doc of pending) await system.platform.state.put('console-logins', doc.id, { ...doc.value, ...tamper });
      const res = await b.request(callback);
      expect(res.res.status).toBe(400);
      expect(b.jarOf(new URL(system.url)).has('soc_session')).toBe(false);
    }
  });

  it('refuses an OIDC principal named like an API token principal', async () => {
    const b = browser();
    const res = await b.request(await throughProvider(b, 'vera'));
    expect(res.res.status).toBe(400);
  });

  it('audits a failed callback as session.refused: a reason, never the code or the state', async () => {
    const attacker = browser();
    const callback = await throughProvider(attacker, 'alice');
    expect((await browser().request(callback)).res.status).toBe(400);
    const records = await system.platform.audit.list({ stream: 'session', limit: 100 });
    const refused = records.find((r) => r.kind === 'session.refused' && r.data.reason === 'state does not match this browser');
    expect(refused).toMatchObject({ actor: 'anonymous', subject: 'address:127.0.0.1', data: { via: 'oidc' } });
    const query = new URL(callback).searchParams;
    for (const secret of [query.get('code')!, query.get('state')!]) expect(JSON.stringify(records)).not.toContain(secret);
  });

  it('GET /auth/session says OIDC sign-in is offered', async () => {
    const res = await fetch(`${system.url}/auth/session`);
    expect(res.status).toBe(401);
    expect(await res.json()).toMatchObject({ signIn: { token: true, oidc: true } });
  });
});
