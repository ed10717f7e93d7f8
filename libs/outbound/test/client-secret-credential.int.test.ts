import { type IncomingMessage, type Server, type ServerResponse, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { isAppError } from '@soc/runtime';
import { EntraClientSecretCredential, httpsOrLoopbackUrl, isEntraTenant } from '../src/index.ts';

/**
 * The shared client credentials grant against a loopback stand-in of Entra ID's v2.0 token endpoint, answering as
 * Microsoft documents it (`{token_type, expires_in, access_token}`, errors `{error, error_description}`).
 */

const TENANT = '72f988bf-86f1-41af-91ab-2d7cd011db47';
const CLIENT_ID = '11111111-2222-3333-4444-555555555555';
const SECRET = 'Qx8~client-secret-value.42';
const SCOPE = 'https://management.azure.com/.default';
const TOKEN_PATH = `/${TENANT}/oauth2/v2.0/token`;

interface Answer {
  status: number;
  body?: unknown;
  raw?: string;
  headers?: Record<string, string>;
  /** Never answer (a hung endpoint). */
  hang?: boolean;
}

let server: Server;
let base: string;
let seen: { method: string; path: string; headers: IncomingMessage['headers']; body: string }[];
let answers: Answer[];
let issued: number;

beforeAll(async () => {
  server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      const a = answers.shift() ?? { status: 200, body: { token_type: 'Bearer', expires_in: 3599, ext_expires_in: 3599, access_token: `token-${++issued}` } };
      if (a.hang) return;
      res.writeHead(a.status, { 'content-type': 'application/json', ...a.headers });
      res.end(a.raw ?? (a.body === undefined ? '' : JSON.stringify(a.body)));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});
beforeEach(() => {
  seen = [];
  answers = [];
  issued = 0;
});

let clock = Date.parse('2026-12-07T08:00:00Z');
const credential = (extra: Partial<ConstructorParameters<typeof EntraClientSecretCredential>[0]> = {}) =>
  new EntraClientSecretCredential({ tenantId: TENANT, clientId: CLIENT_ID, clientSecret: SECRET, authorityHost: `${base}/`, now: () => clock, purpose: 'SIEM write-back', ...extra });

async function failure(p: Promise<unknown>): Promise<{ code: string; retryable: boolean; message: string; details: unknown }> {
  const error = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!isAppError(error)) throw new Error(`expected an AppError, got ${String(error)}`);
  expect(`${error.message} ${JSON.stringify(error.details ?? {})} ${String(error.cause ?? '')}`).not.toContain(SECRET);
  return { code: error.code, retryable: error.retryable, message: error.message, details: error.details };
}

describe('EntraClientSecretCredential against a token endpoint stand-in', () => {
  it('posts the documented form to {authority}/{tenant}/oauth2/v2.0/token and returns the TokenCredential shape', async () => {
    const token = await credential().getToken(SCOPE);
    expect(token).toEqual({ token: 'token-1', expiresOnTimestamp: clock + 3599_000 });
    expect(seen).toHaveLength(1);
    const [call] = seen;
    expect(call?.method).toBe('POST');
    expect(call?.path).toBe(TOKEN_PATH);
    expect(call?.headers['content-type']).toBe('application/x-www-form-urlencoded');
    expect(call?.headers.authorization).toBeUndefined();
    expect(Object.fromEntries(new URLSearchParams(call?.body))).toEqual({ grant_type: 'client_credentials', client_id: CLIENT_ID, client_secret: SECRET, scope: SCOPE });
  });

  it('caches per scope until five minutes before expiry, then asks again', async () => {
    const c = credential();
    expect((await c.getToken(SCOPE)).token).toBe('token-1');
    expect((await c.getToken([SCOPE])).token).toBe('token-1');
    expect((await c.getToken('https://graph.microsoft.com/.default')).token).toBe('token-2');
    clock += 3599_000 - 5 * 60_000 - 1;
    expect((await c.getToken(SCOPE)).token).toBe('token-1');
    clock += 1;
    expect((await c.getToken(SCOPE)).token).toBe('token-3');
    expect(seen.map((s) => new URLSearchParams(s.body).get('scope'))).toEqual([SCOPE, 'https://graph.microsoft.com/.default', SCOPE]);
  });

  it('429 and 5xx are retryable with Retry-After in details.retryAfterSeconds', async () => {
    answers.push({ status: 429, headers: { 'retry-after': '17' }, body: { error: 'temporarily_unavailable' } });
    expect(await failure(credential().getToken(SCOPE))).toMatchObject({ code: 'RATE_LIMITED', retryable: true, details: { status: 429, retryAfterSeconds: 17 } });
    answers.push({ status: 503, headers: { 'retry-after': '2' }, raw: '<html>Service Unavailable</html>' });
    expect(await failure(credential().getToken(SCOPE))).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true, details: { status: 503, retryAfterSeconds: 2 } });
  });

  it('any other refusal is not retryable and keeps Entra\'s error code only, never the description or the secret', async () => {
    answers.push({ status: 401, body: { error: 'invalid_client', error_description: `AADSTS7000215: Invalid client secret provided. ${SECRET}`, error_codes: [7000215] } });
    const refused = await failure(credential({ refusalHint: 'check SIEM_WRITEBACK_CLIENT_ID' }).getToken(SCOPE));
    expect(refused).toEqual({ code: 'UNAUTHORIZED', retryable: false, message: 'Entra ID refused the SIEM write-back token request (401: invalid_client): check SIEM_WRITEBACK_CLIENT_ID', details: { status: 401, error: 'invalid_client' } });
    answers.push({ status: 400, body: { error: 'invalid_scope', error_description: 'AADSTS70011' } });
    expect(await failure(credential().getToken('nope'))).toMatchObject({ code: 'UNAUTHORIZED', retryable: false, details: { status: 400, error: 'invalid_scope' } });
    // An error "code" that is not one (text the endpoint or a proxy made up) is dropped.
    answers.push({ status: 400, body: { error: `bad ${SECRET}` } });
    expect(await failure(credential().getToken(SCOPE))).toMatchObject({ code: 'UNAUTHORIZED', retryable: false, details: { status: 400 } });
  });

  it('a 200 without an access_token is retryable and caches nothing', async () => {
    answers.push({ status: 200, raw: 'not json' });
    expect(await failure(credential().getToken(SCOPE))).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
    const c = credential();
    answers.push({ status: 200, body: { token_type: 'Bearer', expires_in: 3599 } });
    await failure(c.getToken(SCOPE));
    expect((await c.getToken(SCOPE)).token).toBe('token-1');
  });

  it('a hung endpoint times out as a retryable outage; an unreachable one too', async () => {
    answers.push({ hang: true, status: 0 });
    expect(await failure(credential({ timeoutMs: 200 }).getToken(SCOPE))).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true, message: expect.stringContaining('TimeoutError') });
    expect(await failure(credential({ authorityHost: 'http://127.0.0.1:1' }).getToken(SCOPE))).toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
  });

  it('refuses a tenant that is not a GUID or domain, a missing secret and a plain-http authority off this machine', () => {
    const make = (o: Partial<ConstructorParameters<typeof EntraClientSecretCredential>[0]>) => () => credential(o);
    for (const tenantId of ['../evil', 'contoso.onmicrosoft.com/x', 'common', '', 'a..b'])
      expect(make({ tenantId }), tenantId).toThrow(expect.objectContaining({ code: 'CONFIGURATION_INVALID', message: 'the SIEM write-back tenant is not a tenant id (GUID) or domain' }));
    expect(make({ clientSecret: '' })).toThrow(expect.objectContaining({ code: 'CONFIGURATION_INVALID' }));
    expect(make({ authorityHost: 'http://login.example.com' })).toThrow(expect.objectContaining({ code: 'CONFIGURATION_INVALID', message: 'the SIEM write-back authority host must be https (plain http only to a loopback host)' }));
    expect(make({ authorityHost: 'https://login.microsoftonline.us' })).not.toThrow();
    expect(make({ tenantId: 'botframework.com' })).not.toThrow();
  });
});

describe('httpsOrLoopbackUrl and isEntraTenant', () => {
  it('accepts https anywhere and http only to a loopback host; refuses credentials, query and fragment', () => {
    expect(httpsOrLoopbackUrl('https://management.azure.com/', 'X')).toBe('https://management.azure.com');
    expect(httpsOrLoopbackUrl('http://127.0.0.1:8080/arm/', 'X')).toBe('http://127.0.0.1:8080/arm');
    expect(httpsOrLoopbackUrl('http://localhost:1', 'X')).toBe('http://localhost:1');
    expect(httpsOrLoopbackUrl('http://[::1]:1', 'X')).toBe('http://[::1]:1');
    const refusal = (v: string) => {
      try {
        httpsOrLoopbackUrl(v, 'SENTINEL_ARM_BASE_URL');
        return 'accepted';
      } catch (error) {
        return (error as Error).message;
      }
    };
    expect(refusal('http://management.azure.com')).toBe('SENTINEL_ARM_BASE_URL must be https (plain http only to a loopback host)');
    expect(refusal('http://127.0.0.1.evil.example')).toBe('SENTINEL_ARM_BASE_URL must be https (plain http only to a loopback host)');
    expect(refusal('ftp://127.0.0.1')).toBe('SENTINEL_ARM_BASE_URL must be https (plain http only to a loopback host)');
    expect(refusal('https://user:pw@management.azure.com')).toBe('SENTINEL_ARM_BASE_URL may not hold credentials');
    expect(refusal('https://management.azure.com/?x=1')).toBe('SENTINEL_ARM_BASE_URL may not have a query or fragment');
    expect(refusal('management.azure.com')).toBe('SENTINEL_ARM_BASE_URL is not a URL');
  });

  it('knows a tenant id or domain from anything else', () => {
    expect([TENANT, 'contoso.onmicrosoft.com', 'botframework.com'].map(isEntraTenant)).toEqual([true, true, true]);
    expect(['common', '..', 'a/b', 'contoso.onmicrosoft.com.', '-x.com', ''].map(isEntraTenant)).toEqual([false, false, false, false, false, false]);
  });
});
