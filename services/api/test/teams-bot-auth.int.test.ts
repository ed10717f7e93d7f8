import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type CryptoKey, type JWK, SignJWT, exportJWK, generateKeyPair } from 'jose';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { BotFrameworkKeys, verifyBotToken } from '../src/teams/bot-auth.ts';

const APP_ID = '6f1c2b3a-0000-4000-8000-00000000b07a';
const SERVICE_URL = 'https://smba.trafficmanager.net/emea/';

/** A local Bot Framework OpenID metadata + JWKS: the published keys can change, and it can be down. */
class KeysStandIn {
  private server!: Server;
  url = '';
  keys: JWK[] = [];
  reads: string[] = [];
  down = false;

  async start(): Promise<void> {
    this.server = createServer((req, res) => {
      this.reads.push(req.url ?? '');
      if (this.down) return void res.writeHead(503).end();
      res.setHeader('content-type', 'application/json');
      if (req.url === '/v1/.well-known/openidconfiguration') res.end(JSON.stringify({ issuer: 'https://api.botframework.com', jwks_uri: `${this.url}/v1/.well-known/keys` }));
      else res.end(JSON.stringify({ keys: this.keys }));
    });
    await new Promise<void>((resolve) => this.server.listen(0, '127.0.0.1', resolve));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.server.close(() => resolve()));
  }
}

const standIn = new KeysStandIn();
const pairs: Record<string, { privateKey: CryptoKey; jwk: JWK }> = {};
async function keyPair(kid: string, endorsements?: string[]) {
  const { publicKey, privateKey } = await generateKeyPair('RS256', { extractable: true });
  pairs[kid] = { privateKey, jwk: { ...(await exportJWK(publicKey)), kid, use: 'sig', ...(endorsements ? { endorsements } : {}) } as JWK };
}
const token = (kid: string) =>
  new SignJWT({ serviceurl: SERVICE_URL }).setProtectedHeader({ alg: 'RS256', kid }).setIssuer('https://api.botframework.com').setAudience(APP_ID).setExpirationTime('1h').sign(pairs[kid]!.privateKey);
const verify = async (keys: BotFrameworkKeys, kid: string) => verifyBotToken({ authorization: `Bearer ${await token(kid)}`, appId: APP_ID, serviceUrl: SERVICE_URL, channelId: 'msteams', keys });

describe('the Bot Framework signing keys', () => {
  let now = 0;
  const keys = () => new BotFrameworkKeys({ metadataUrl: `${standIn.url}/v1/.well-known/openidconfiguration`, now: () => now });
  beforeAll(async () => {
    await standIn.start();
    await keyPair('k1', ['msteams']);
    await keyPair('k2');
    await keyPair('rotated', ['msteams']);
  });
  afterAll(() => standIn.close());
  beforeEach(() => {
    now = 1_000_000;
    standIn.reads.length = 0;
    standIn.down = false;
    standIn.keys = [pairs.k1!.jwk, pairs.k2!.jwk];
  });

  it('are found through the OpenID metadata, then cached; a key without endorsements is accepted', async () => {
    const k = keys();
    expect(await verify(k, 'k1')).toMatchObject({ ok: true, payload: { aud: APP_ID, serviceurl: SERVICE_URL } });
    expect(await verify(k, 'k2')).toMatchObject({ ok: true });
    expect(standIn.reads).toEqual(['/v1/.well-known/openidconfiguration', '/v1/.well-known/keys']);
  });

  it('an unknown kid reads the keys again at most every 5 minutes, so a rotation is picked up and forged kids cannot flood Microsoft', async () => {
    const k = keys();
    expect((await verify(k, 'k1')).ok).toBe(true);
    standIn.keys = [pairs.rotated!.jwk];
    now += 60_000;
    expect(await verify(k, 'rotated')).toEqual({ ok: false, reason: 'unknown signing key' });
    expect(standIn.reads).toHaveLength(2);
    now += 5 * 60_000;
    expect((await verify(k, 'rotated')).ok).toBe(true);
    expect(standIn.reads).toHaveLength(4);
  });

  it('an outage keeps the keys read last; with none read yet the verdict says the keys are unavailable (not a bad token)', async () => {
    const k = keys();
    expect((await verify(k, 'k1')).ok).toBe(true);
    standIn.down = true;
    now += 25 * 3600_000;
    expect((await verify(k, 'k1')).ok).toBe(true);
    expect(await verify(keys(), 'k1')).toMatchObject({ ok: false, keysUnavailable: true });
  });
});
