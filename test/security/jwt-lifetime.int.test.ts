import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type CryptoKey, type KeyObject, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSystem } from './support.ts';

const ISSUER = 'https://sts.windows.net/00000000-0000-0000-0000-00000000000a/';
const AUDIENCE = 'api://soc-copilot';

// Point 4 of issue 11: an Entra ID token without `exp` verified (jose only checks `exp` when present), so a signed
// token leaked once was good forever; one with an `exp` years away likewise.
describe('Entra ID tokens must expire, and soon', () => {
  let sys: Awaited<ReturnType<typeof startSystem>>;
  let privateKey: CryptoKey | KeyObject;
  const token = (build: (jwt: SignJWT) => SignJWT) =>
    build(new SignJWT({ oid: 'logic-app-mi' }).setProtectedHeader({ alg: 'RS256', kid: 'k1' }).setIssuer(ISSUER).setAudience(AUDIENCE)).sign(privateKey);
  const send = async (jwt: string, id: string) =>
    fetch(`${sys.url}/api/v1/alerts/generic`, {
      method: 'POST',
      headers: { authorization: `Bearer ${jwt}`, 'content-type': 'application/json' },
      body: JSON.stringify({ id, title: 'From the Logic App', severity: 'low' }),
    });

  beforeAll(async () => {
    const keys = await generateKeyPair('RS256');
    privateKey = keys.privateKey;
    const dir = mkdtempSync(join(tmpdir(), 'soc-jwt-'));
    const jwksFile = join(dir, 'jwks.json');
    writeFileSync(jwksFile, JSON.stringify({ keys: [{ ...(await exportJWK(keys.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' }] }));
    const authFile = join(dir, 'ingest-auth.json');
    writeFileSync(authFile, JSON.stringify({ credentials: [{ kind: 'entra', name: 'sentinel-playbook', jwksFile, issuer: ISSUER, audience: AUDIENCE, allowedClients: ['logic-app-mi'], sources: ['generic'] }] }));
    sys = await startSystem({ INGEST_AUTH_FILE: authFile });
  });
  afterAll(async () => sys.close());

  it('accepts a token of an ordinary lifetime (an hour)', async () => {
    expect((await send(await token((j) => j.setIssuedAt().setExpirationTime('1h')), 'jwt-ok')).status).toBe(202);
  });

  it('refuses a token without exp, with the reason', async () => {
    const res = await send(await token((j) => j.setIssuedAt()), 'jwt-no-exp');
    expect(res.status).toBe(401);
    expect(((await res.json()) as { detail: string }).detail).toContain('exp');
  });

  it('refuses a token that lives longer than the maximum (exp a year away, or exp − iat over 28 h)', async () => {
    expect((await send(await token((j) => j.setIssuedAt().setExpirationTime('365d')), 'jwt-long')).status).toBe(401);
    const now = Math.floor(Date.now() / 1000);
    const longAgo = await token((j) => j.setIssuedAt(now - 30 * 3600).setExpirationTime(now + 3600));
    expect((await send(longAgo, 'jwt-old')).status).toBe(401);
  });
});
