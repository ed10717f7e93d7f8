import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiAuth, listen, sessionSource, tokenSource, type HttpServer, type ResolvedSession } from '../src/index.ts';

const SESSION = 'A'.repeat(43);
const CSRF = 'csrf-token-of-the-session';
const TOKEN = 'local-token-0123456789abcdef';
let server: HttpServer;
const lookups: string[] = [];

beforeAll(async () => {
  const sessions = new Map<string, ResolvedSession>([[SESSION, { principal: { principal: 'ana', roles: ['viewer', 'analyst'], tenants: ['contoso'], via: 'session' }, csrfToken: CSRF }]]);
  const app = express();
  app.use(
    apiAuth({
      sources: [
        tokenSource({ tokens: [{ name: 'cli', token: TOKEN }] }),
        sessionSource({
          cookieName: 'soc_session',
          allowedOrigins: ['https://soc.contoso.com'],
          lookup: (id) => {
            lookups.push(id);
            return Promise.resolve(sessions.get(id));
          },
        }),
      ],
    }),
  );
  app.all('/me', (_req, res) => {
    res.json({ principal: res.locals.principal, via: res.locals.authVia });
  });
  server = await listen(app, 0, '127.0.0.1');
});
afterAll(() => server?.close());

const call = (method: string, headers: Record<string, string>) => fetch(`${server.url}/me`, { method, headers });

describe('sessionSource in apiAuth', () => {
  it('authenticates a GET by its cookie alone (among other cookies)', async () => {
    const res = await call('GET', { cookie: `theme=dark; soc_session=${SESSION}; other=1` });
    expect(await res.json()).toEqual({ principal: 'ana', via: 'session' });
  });

  it('an unsafe method needs the session\'s CSRF token and, when sent, a same-origin Origin', async () => {
    const refused: Record<string, string>[] = [{}, { 'x-csrf-token': 'wrong' }, { 'x-csrf-token': CSRF, origin: 'null' }, { 'x-csrf-token': CSRF, origin: 'https://evil.example' }, { 'x-csrf-token': CSRF, origin: `${server.url}.evil.example` }];
    for (const headers of refused) {
      const res = await call('POST', { cookie: `soc_session=${SESSION}`, ...headers });
      expect(res.status).toBe(403);
      expect(await res.json()).toMatchObject({ type: 'urn:soc:problem:csrf' });
    }
    for (const origin of [undefined, server.url, 'https://soc.contoso.com']) {
      const res = await call('DELETE', { cookie: `soc_session=${SESSION}`, 'x-csrf-token': CSRF, ...(origin ? { origin } : {}) });
      expect(res.status).toBe(200);
    }
  });

  it('an unknown session is 401 without invalid_token (no Authorization header was sent); a malformed id costs no lookup', async () => {
    const before = lookups.length;
    const malformed = await call('GET', { cookie: 'soc_session=short' });
    expect(malformed.status).toBe(401);
    expect(lookups.length).toBe(before);
    const unknown = await call('GET', { cookie: `soc_session=${'B'.repeat(43)}` });
    expect(unknown.status).toBe(401);
    expect(unknown.headers.get('www-authenticate')).toBe('Bearer realm="soc"');
  });

  it('a request with an Authorization header is judged by it alone', async () => {
    expect((await call('GET', { cookie: `soc_session=${SESSION}`, authorization: 'Bearer wrong-token-0123456789' })).status).toBe(401);
    expect(await (await call('POST', { cookie: `soc_session=${SESSION}`, authorization: `Bearer ${TOKEN}` })).json()).toEqual({ principal: 'cli', via: 'token' });
  });

  it('without any credential: 401 asking for a token or a session', async () => {
    const res = await call('GET', {});
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toMatch(/Bearer token or a console session/);
  });
});
