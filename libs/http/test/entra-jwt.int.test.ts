import { createHmac } from 'node:crypto';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK, type JWTPayload } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@soc/observability';
import { memoryLog } from '@soc/observability/testing';
import { apiAuth, entraJwtSource, errorHandler, listen, parseEntraRoleMap, requestLogging, tokenSource, type HttpServer } from '../src/index.ts';

const TID = '11111111-2222-3333-4444-555555555555';
const AUDIENCE = 'api://soc-copilot';
const LOCAL = 'local-token-0123456789abcdef';

let jwks: HttpServer;
let api: HttpServer;
let privateKey: CryptoKey;
let otherKey: CryptoKey;
let issuer: string;
const log = memoryLog();

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  otherKey = (await generateKeyPair('RS256')).privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const keys = express();
  keys.get('/keys', (_req, res) => {
    res.json({ keys: [jwk] });
  });
  jwks = await listen(keys, 0, '127.0.0.1');
  issuer = `https://login.microsoftonline.com/${TID}/v2.0`;
  const app = express();
  app.use(requestLogging(createLogger({ service: 'api', level: 'debug', destination: log.destination })));
  app.use(
    '/api',
    apiAuth({
      sources: [
        tokenSource({ tokens: [{ name: 'local', token: LOCAL }], roles: new Map([['local', ['viewer'] as const]]), tenants: new Map([['local', ['default']]]) }),
        entraJwtSource({
          tenantId: TID,
          audience: AUDIENCE,
          issuer,
          jwksUrl: `${jwks.url}/keys`,
          roleMap: parseEntraRoleMap('SOC.Viewer:viewer,SOC.Approver:approver'),
          tenantsOf: (p) => (p === 'alice@contoso.com' ? ['contoso'] : undefined),
          reservedNames: new Set(['local']),
        }),
      ],
    }),
  );
  app.get('/api/me', (_req, res) => {
    res.json({ principal: res.locals.principal, roles: res.locals.roles, tenants: res.locals.tenants, via: res.locals.authVia });
  });
  app.use(errorHandler({ logger: createLogger({ service: 'api', level: 'silent' }) }));
  api = await listen(app, 0, '127.0.0.1');
});
afterAll(async () => {
  await api?.close();
  await jwks?.close();
});

const claims = (over: JWTPayload = {}): JWTPayload => ({
  tid: TID,
  oid: '9a1b2c3d-0000-0000-0000-000000000001',
  preferred_username: 'alice@contoso.com',
  roles: ['SOC.Approver'],
  ...over,
});

async function token(payload: JWTPayload = claims(), opts: { key?: CryptoKey; kid?: string; aud?: string; iss?: string; exp?: number | string; nbf?: number } = {}): Promise<string> {
  let jwt = new SignJWT(payload)
    .setProtectedHeader({ alg: 'RS256', kid: opts.kid ?? 'k1', typ: 'JWT' })
    .setIssuedAt()
    .setIssuer(opts.iss ?? issuer)
    .setAudience(opts.aud ?? AUDIENCE)
    .setExpirationTime(opts.exp ?? '1h');
  if (opts.nbf !== undefined) jwt = jwt.setNotBefore(opts.nbf);
  return jwt.sign(opts.key ?? privateKey);
}

const me = (bearer?: string) => fetch(`${api.url}/api/me`, { headers: bearer === undefined ? {} : { authorization: `Bearer ${bearer}` } });

const b64 = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

async function expectRejected(bearer: string, reason?: RegExp): Promise<void> {
  const response = await me(bearer);
  expect(response.status).toBe(401);
  expect(response.headers.get('www-authenticate')).toBe('Bearer realm="soc", error="invalid_token"');
  const body = await response.text();
  expect(body).toContain('urn:soc:problem:unauthorized');
  if (reason) expect(body).toMatch(reason);
  expect(body).not.toContain(bearer);
  expect(log.text()).not.toContain(bearer);
}

describe('Entra ID bearer JWTs', () => {
  it('accepts a good token: principal preferred_username, roles mapped from app roles, tenants from configuration', async () => {
    const response = await me(await token());
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ principal: 'alice@contoso.com', roles: ['viewer', 'approver'], tenants: ['contoso'], via: 'entra' });
  });

  it('names the principal by upn, then oid; unknown app roles grant nothing; an unconfigured principal sees no tenant', async () => {
    const byUpn = await (await me(await token(claims({ preferred_username: undefined, upn: 'bob@contoso.com', roles: ['SOC.Viewer', 'Global.Admin', 'admin'] })))).json();
    expect(byUpn).toEqual({ principal: 'bob@contoso.com', roles: ['viewer'], tenants: [], via: 'entra' });
    const byOid = await (await me(await token(claims({ preferred_username: undefined, roles: undefined })))).json();
    expect(byOid).toEqual({ principal: '9a1b2c3d-0000-0000-0000-000000000001', roles: [], tenants: [], via: 'entra' });
  });

  it('still accepts a configured opaque token exactly as before', async () => {
    const response = await me(LOCAL);
    expect(await response.json()).toEqual({ principal: 'local', roles: ['viewer'], tenants: ['default'], via: 'token' });
  });

  it('rejects a token for another audience', async () => expectRejected(await token(claims(), { aud: 'api://other' }), /claim aud not accepted/));
  it('rejects a token of another issuer', async () => expectRejected(await token(claims(), { iss: 'https://login.microsoftonline.com/common/v2.0' }), /claim iss not accepted/));
  it('rejects a token of another Entra tenant (tid)', async () => expectRejected(await token(claims({ tid: '99999999-2222-3333-4444-555555555555' })), /claim tid not accepted/));
  it('rejects an expired token (beyond the clock skew)', async () => expectRejected(await token(claims(), { exp: Math.floor(Date.now() / 1000) - 600 }), /expired/));
  it('accepts a token expired within the clock skew', async () => {
    expect((await me(await token(claims(), { exp: Math.floor(Date.now() / 1000) - 30 }))).status).toBe(200);
  });
  it('rejects a token not valid yet', async () => expectRejected(await token(claims(), { nbf: Math.floor(Date.now() / 1000) + 3600 })));
  it('rejects a token signed by a key the JWKS does not hold under its kid', async () => expectRejected(await token(claims(), { kid: 'k-unknown' }), /unknown signing key/));
  it('rejects a token signed by another key under a known kid', async () => expectRejected(await token(claims(), { key: otherKey }), /not valid/));

  it('rejects alg none', async () => {
    const unsigned = `${b64({ alg: 'none', typ: 'JWT' })}.${b64({ ...claims(), iss: issuer, aud: AUDIENCE, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 })}.`;
    await expectRejected(unsigned);
  });

  it('rejects HS256 signed with the public key as the secret (algorithm confusion)', async () => {
    const jwk = (await (await fetch(`${jwks.url}/keys`)).json()) as { keys: JWK[] };
    const secret = JSON.stringify(jwk.keys[0]);
    const head = b64({ alg: 'HS256', kid: 'k1', typ: 'JWT' });
    const body = b64({ ...claims(), iss: issuer, aud: AUDIENCE, iat: Math.floor(Date.now() / 1000), exp: Math.floor(Date.now() / 1000) + 600 });
    const signature = createHmac('sha256', secret).update(`${head}.${body}`).digest('base64url');
    await expectRejected(`${head}.${body}.${signature}`, /algorithm not allowed/);
  });

  it('refuses an Entra principal named like a configured API token', async () => expectRejected(await token(claims({ preferred_username: 'local' })), /reserved/));
  it('answers a JWT-shaped token that is not a JWT with 401', async () => expectRejected('abc.def.ghi'));
});

describe('parseEntraRoleMap', () => {
  it('defaults to app role values equal to our role names', () => {
    expect([...parseEntraRoleMap(undefined)]).toEqual([['viewer', 'viewer'], ['analyst', 'analyst'], ['approver', 'approver'], ['hunter', 'hunter'], ['admin', 'admin']]);
  });
  it.each([['SOC.Viewer:superuser', /unknown role/], ['SOC.Viewer', /not appRole:role/], ['A:viewer,A:admin', /named twice/]])('rejects %s', (text, message) => {
    expect(() => parseEntraRoleMap(text)).toThrow(message);
  });
});
