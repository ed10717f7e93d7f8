import { setTimeout as sleep } from 'node:timers/promises';
import express from 'express';
import { SignJWT, exportJWK, generateKeyPair, type CryptoKey, type JWK } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpServer, ENTRA_CLOCK_SKEW_SECONDS, apiAuth, entraJwtSource, errorHandler, listen, parseEntraRoleMap, sessionSource } from '@soc/http';
import { StateSessionStore, sessionLookup } from '@soc/platform';
import { createLogger } from '@soc/observability';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateRecentCaseEvents } from '../src/adapters/state-recent-case-events.ts';
import { type CaseChangeFeed, startCaseChangeFeed } from '../src/live/change-feed.ts';
import { eventStreamRoutes } from '../src/live/event-stream-routes.ts';
import { type OpenStream, openStream } from './support/event-stream.ts';

// The live stream behind the real authentication chain: an Entra ID source (a local key set) and the console's
// session cookie (sessions in a memory state store), the clock manual.
const TID = '11111111-2222-3333-4444-555555555555';
const AUDIENCE = 'api://soc-copilot';
const issuer = `https://login.microsoftonline.com/${TID}/v2.0`;
const clock = manualClock('2026-12-07T10:00:00Z');
const state = new MemoryStateStore();
let feed: CaseChangeFeed;
let jwks: HttpServer;
let http: HttpServer;
let privateKey: CryptoKey;
const streams: OpenStream[] = [];
const sessions = new StateSessionStore(state, clock);
const directory = {
  apiTokens: [{ name: 'vera', token: 'vera-token-0123456789abcdef' }],
  apiRoles: new Map([['vera', ['viewer'] as const]]),
  apiTenants: new Map([['vera', ['contoso']]]),
  entra: { roleMap: parseEntraRoleMap(undefined), tenantsOf: () => undefined },
};

beforeAll(async () => {
  const pair = await generateKeyPair('RS256', { extractable: true });
  privateKey = pair.privateKey;
  const jwk: JWK = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256', use: 'sig' };
  const keys = express();
  keys.get('/keys', (_req, res) => {
    res.json({ keys: [jwk] });
  });
  jwks = await listen(keys, 0, '127.0.0.1');
  feed = startCaseChangeFeed({ events: new StateRecentCaseEvents(state), groups: new StateCaseGroupStore(state, { windowMinutes: 60 }), intervalMs: 50, warn: () => undefined });
  const live = eventStreamRoutes({ feed, clock, tenantId: 'contoso', limits: { total: 10, perPrincipal: 5, heartbeatMs: 100, retryMs: 5000 } });
  const app = express();
  app.use(
    '/api',
    apiAuth({
      sources: [
        entraJwtSource({ tenantId: TID, audience: AUDIENCE, issuer, jwksUrl: `${jwks.url}/keys`, roleMap: parseEntraRoleMap('SOC.Viewer:viewer'), tenantsOf: () => ['contoso'], now: () => clock.now().getTime() }),
        sessionSource({ cookieName: 'soc_session', lookup: sessionLookup(sessions, directory) }),
      ],
    }),
  );
  app.use(live.router);
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  http = await listen(app, 0, '127.0.0.1', { graceMs: 60_000 });
});
afterAll(async () => {
  for (const s of streams) s.close();
  await feed?.close();
  await http?.close();
  await jwks?.close();
});

const bearer = (expiresAt: Date) =>
  new SignJWT({ tid: TID, preferred_username: 'alice@contoso.com', roles: ['SOC.Viewer'] })
    .setProtectedHeader({ alg: 'RS256', kid: 'k1' })
    .setIssuedAt(Math.floor(clock.now().getTime() / 1000))
    .setIssuer(issuer)
    .setAudience(AUDIENCE)
    .setExpirationTime(Math.floor(expiresAt.getTime() / 1000))
    .sign(privateKey);

async function until(probe: () => boolean, what: string, ms = 5_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}

describe('GET /api/v1/events with an Entra ID bearer JWT', () => {
  it('keeps the stream while the token is valid (within the clock skew), and ends it with signed-out within a heartbeat once it expires', async () => {
    const token = await bearer(new Date(clock.now().getTime() + 10 * 60_000));
    const stream = await openStream(`${http.url}/api/v1/events`, { authorization: `Bearer ${token}` });
    streams.push(stream);
    expect(stream.status).toBe(200);
    await until(() => stream.events().filter((e) => e.event === 'heartbeat').length >= 2, 'two heartbeats');
    clock.advance(10 * 60_000 + (ENTRA_CLOCK_SKEW_SECONDS - 5) * 1000); // past exp, within the skew verification allowed
    const beats = stream.events().filter((e) => e.event === 'heartbeat').length;
    await until(() => stream.events().filter((e) => e.event === 'heartbeat').length >= beats + 2, 'heartbeats within the skew');
    clock.advance(10_000); // past exp + skew
    const expired = Date.now();
    await stream.ended;
    expect(Date.now() - expired).toBeLessThan(1_000);
    expect(stream.events().at(-1)).toEqual({ event: 'signed-out', data: '{}' });
    expect(stream.text()).not.toContain(token);
  });
});

describe('GET /api/v1/events with a console session cookie', () => {
  it('ends the stream with signed-out within a heartbeat once the session expires', async () => {
    const { sessionId, record } = await sessions.create({ principal: 'vera', kind: 'token', maxAgeSeconds: 3600 });
    const stream = await openStream(`${http.url}/api/v1/events`, { cookie: `soc_session=${sessionId}` });
    streams.push(stream);
    expect(stream.status).toBe(200);
    await until(() => stream.events().some((e) => e.event === 'heartbeat'), 'a heartbeat');
    clock.set(record.expiresAt);
    const expired = Date.now();
    await stream.ended;
    expect(Date.now() - expired).toBeLessThan(1_000);
    expect(stream.events().at(-1)).toEqual({ event: 'signed-out', data: '{}' });
  });
});
