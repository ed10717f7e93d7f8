import express from 'express';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@soc/observability';
import { apiAuth, entraJwtSource, errorHandler, listen, type HttpServer } from '../src/index.ts';

// A key set that answers as told: its keys, a 500, garbage, or (closed) nothing at all.
const TID = '11111111-2222-3333-4444-555555555555';
const AUDIENCE = 'api://soc-copilot';
const issuer = `https://login.microsoftonline.com/${TID}/v2.0`;
let mode: 'up' | 'error' | 'garbage' = 'up';
let jwks: HttpServer;
let privateKey: CryptoKey;
const apis: HttpServer[] = [];

async function apiWith(jwksUrl: string): Promise<HttpServer> {
  const app = express();
  app.use('/api', apiAuth({ sources: [entraJwtSource({ tenantId: TID, audience: AUDIENCE, issuer, jwksUrl, tenantsOf: () => ['contoso'] })] }));
  app.get('/api/me', (_req, res) => {
    res.json({ principal: res.locals.principal });
  });
  app.use(errorHandler({ logger: createLogger({ service: 'api', level: 'silent' }) }));
  const api = await listen(app, 0, '127.0.0.1');
  apis.push(api);
  return api;
}

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const keys = express();
  keys.get('/keys', (_req, res) => {
    if (mode === 'error') res.status(500).end();
    else if (mode === 'garbage') res.type('json').send('{"not":"a key set"');
    else res.json({ keys: [jwk] });
  });
  jwks = await listen(keys, 0, '127.0.0.1');
});
afterAll(async () => {
  for (const api of apis) await api.close();
  await jwks?.close();
});

const token = () =>
  new SignJWT({ tid: TID, preferred_username: 'alice@contoso.com', roles: ['viewer'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuedAt()
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setExpirationTime('1h')
    .sign(privateKey);

async function expectUnavailable(api: HttpServer): Promise<void> {
  const bearer = await token();
  const res = await fetch(`${api.url}/api/me`, { headers: { authorization: `Bearer ${bearer}` } });
  expect(res.status).toBe(503);
  expect(res.headers.get('retry-after')).toBe('30');
  expect(res.headers.get('www-authenticate')).toBeNull();
  expect(res.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  const body = await res.text();
  expect(JSON.parse(body)).toMatchObject({ status: 503, type: 'urn:soc:problem:dependency-unavailable' });
  expect(body).not.toContain(bearer);
}

describe('Entra ID bearer JWTs when the key set cannot be fetched', () => {
  it('answers 503 with Retry-After, not 401, when the JWKS server is down', async () => {
    const down = await listen(express(), 0, '127.0.0.1');
    const url = `${down.url}/keys`;
    await down.close();
    await expectUnavailable(await apiWith(url));
  });

  it('answers 503 when the JWKS server answers 500 or no key set, and accepts the same token once it is back', async () => {
    const api = await apiWith(`${jwks.url}/keys`);
    mode = 'error';
    await expectUnavailable(api);
    mode = 'garbage';
    await expectUnavailable(api);
    mode = 'up';
    const res = await fetch(`${api.url}/api/me`, { headers: { authorization: `Bearer ${await token()}` } });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ principal: 'alice@contoso.com' });
  });
});
