import { describe, expect, it } from 'vitest';
import { loadConfig } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { CheckedPlatformEnv, SESSIONS_COLLECTION, StateSessionStore, resolveEntraDirectory, sessionCookieOf, sessionLookup, sessionPrincipal, type PrincipalDirectory } from '../src/index.ts';

const load = (env: Record<string, string>) => loadConfig(CheckedPlatformEnv, env);
let time = Date.parse('2026-12-07T08:00:00Z');
const clock = { now: () => new Date(time) };

const directory = (over: Partial<PrincipalDirectory> = {}): PrincipalDirectory => ({
  apiTokens: [{ name: 'alice', token: 'a'.repeat(20) }],
  apiRoles: new Map([['alice', ['viewer', 'analyst'] as const]]),
  apiTenants: new Map([['alice', ['contoso']]]),
  entra: resolveEntraDirectory(load({ SOC_API_ENTRA_TENANTS: 'lead@mssp.com:*' })),
  ...over,
});

describe('console sessions', () => {
  it('reads a token session\'s roles and tenants live from configuration: a principal removed from it loses access', () => {
    const record = { principal: 'alice', kind: 'token' as const, csrfToken: 'c', createdAt: '', expiresAt: '' };
    expect(sessionPrincipal(record, directory())).toEqual({ principal: 'alice', roles: ['viewer', 'analyst'], tenants: ['contoso'], via: 'session' });
    expect(sessionPrincipal(record, directory({ apiRoles: new Map([['alice', ['viewer'] as const]]) }))?.roles).toEqual(['viewer']);
    expect(sessionPrincipal(record, directory({ apiTokens: [{ name: 'bob', token: 'b'.repeat(20) }] }))).toBeUndefined();
  });

  it('an Entra (OIDC) session keeps its ID token\'s roles; its tenants come from configuration, none when unconfigured', () => {
    const lead = { principal: 'lead@mssp.com', kind: 'oidc' as const, roles: ['viewer' as const], csrfToken: 'c', createdAt: '', expiresAt: '' };
    expect(sessionPrincipal(lead, directory())).toEqual({ principal: 'lead@mssp.com', roles: ['viewer'], tenants: '*', via: 'session' });
    expect(sessionPrincipal({ ...lead, principal: 'eve@contoso.com' }, directory())?.tenants).toEqual([]);
    const withDefault = resolveEntraDirectory(load({ SOC_API_ENTRA_DEFAULT_TENANTS: 'contoso|fabrikam' }));
    expect(withDefault.tenantsOf('eve@contoso.com')).toEqual(['contoso', 'fabrikam']);
  });

  it('stores sessions under the hash of their id, with a TTL; a session past its expiry is gone; delete signs out', async () => {
    const state = new MemoryStateStore({ clock });
    const store = new StateSessionStore(state, clock);
    const { sessionId, record } = await store.create({ principal: 'alice', kind: 'token', maxAgeSeconds: 3600 });
    expect(sessionId).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(await state.get(SESSIONS_COLLECTION, sessionId)).toBeUndefined();
    expect(JSON.stringify(await state.query(SESSIONS_COLLECTION))).not.toContain(sessionId);
    const lookup = sessionLookup(store, directory());
    expect(await lookup(sessionId)).toEqual({ principal: { principal: 'alice', roles: ['viewer', 'analyst'], tenants: ['contoso'], via: 'session' }, csrfToken: record.csrfToken });
    const other = await store.create({ principal: 'alice', kind: 'token', maxAgeSeconds: 3600 });
    expect(other.sessionId).not.toBe(sessionId);
    expect(other.record.csrfToken).not.toBe(record.csrfToken);
    time += 3600_000;
    expect(await lookup(sessionId)).toBeUndefined();
    time -= 3600_000;
    await store.delete(other.sessionId);
    expect(await lookup(other.sessionId)).toBeUndefined();
  });

  it('names the cookie __Host- and makes it Secure over https; Secure on http only when asked', () => {
    expect(sessionCookieOf(load({ SOC_PUBLIC_URL: 'https://soc.contoso.com' }))).toEqual({ name: '__Host-soc_session', secure: true, maxAgeSeconds: 43_200 });
    expect(sessionCookieOf(load({ SOC_SESSION_HOURS: '8' }))).toEqual({ name: 'soc_session', secure: false, maxAgeSeconds: 28_800 });
    expect(sessionCookieOf(load({ SOC_COOKIE_SECURE: 'true' })).secure).toBe(true);
  });
});

describe('Entra configuration', () => {
  it('needs the tenant id and the audience together', () => {
    expect(() => load({ SOC_API_ENTRA_TENANT_ID: '0f0e0d0c-0000-4000-8000-000000000001' })).toThrow(/SOC_API_ENTRA_AUDIENCE/);
  });
  it('stops the start on a bad role map or tenant grant', () => {
    expect(() => resolveEntraDirectory(load({ SOC_API_ENTRA_ROLE_MAP: 'SOC.Root:root' }))).toThrow(/SOC_API_ENTRA_ROLE_MAP/);
    expect(() => resolveEntraDirectory(load({ SOC_API_ENTRA_TENANTS: 'a@b.c:bad tenant' }))).toThrow(/SOC_API_ENTRA_TENANTS/);
    expect(() => resolveEntraDirectory(load({ SOC_API_ENTRA_DEFAULT_TENANTS: 'bad tenant' }))).toThrow(/SOC_API_ENTRA_DEFAULT_TENANTS/);
  });
});
