import { createHash, randomBytes } from 'node:crypto';
import {
  type AuthenticatedPrincipal,
  type EntraRoleMap,
  type PrincipalSource,
  type ResolvedSession,
  type Role,
  type TenantGrant,
  entraJwtSource,
  parseEntraRoleMap,
  sessionSource,
  tokenSource,
} from '@soc/http';
import type { Clock } from '@soc/runtime';
import { AppError, ErrorCode } from '@soc/runtime';
import type { StateStore } from '@soc/state';
import type { PlatformEnv } from './env.ts';
import { type NamedToken, parseTenantGrant, parseTenantGrants } from './tokens.ts';

/** How Entra ID principals (API bearer JWTs and console OIDC sign-ins) get their roles and tenants. */
export interface EntraDirectory {
  readonly roleMap: EntraRoleMap;
  /** The tenants of an Entra principal: SOC_API_ENTRA_TENANTS, else SOC_API_ENTRA_DEFAULT_TENANTS, else none. */
  tenantsOf(principal: string): TenantGrant | undefined;
}

/** Entra ID settings for the API's bearer JWTs, when configured. */
export interface EntraApiSettings {
  readonly tenantId: string;
  readonly audience: string;
  readonly issuer?: string;
  readonly jwksUrl?: string;
}

/** The Entra role mapping and tenant grants (SOC_API_ENTRA_ROLE_MAP, _TENANTS, _DEFAULT_TENANTS); a bad value stops the start. */
export function resolveEntraDirectory(env: PlatformEnv): EntraDirectory {
  const roleMap = parseEntraRoleMap(env.SOC_API_ENTRA_ROLE_MAP);
  const grants = parseTenantGrants(env.SOC_API_ENTRA_TENANTS, 'SOC_API_ENTRA_TENANTS');
  let fallback: TenantGrant | undefined;
  if (env.SOC_API_ENTRA_DEFAULT_TENANTS !== undefined) {
    const { grant, bad } = parseTenantGrant(env.SOC_API_ENTRA_DEFAULT_TENANTS);
    if (grant === undefined) throw new AppError(ErrorCode.CONFIGURATION_INVALID, `SOC_API_ENTRA_DEFAULT_TENANTS: ${bad.map((t) => `"${t.slice(0, 64)}"`).join(', ')} is not a tenant id`, { retryable: false });
    fallback = grant;
  }
  return { roleMap, tenantsOf: (principal) => grants.get(principal) ?? fallback };
}

/** The Entra ID API settings of the environment; undefined when SOC_API_ENTRA_TENANT_ID is not set. */
export function entraApiSettingsOf(env: PlatformEnv): EntraApiSettings | undefined {
  if (env.SOC_API_ENTRA_TENANT_ID === undefined || env.SOC_API_ENTRA_AUDIENCE === undefined) return undefined;
  return {
    tenantId: env.SOC_API_ENTRA_TENANT_ID,
    audience: env.SOC_API_ENTRA_AUDIENCE,
    ...(env.SOC_API_ENTRA_ISSUER ? { issuer: env.SOC_API_ENTRA_ISSUER } : {}),
    ...(env.SOC_API_ENTRA_JWKS_URL ? { jwksUrl: env.SOC_API_ENTRA_JWKS_URL } : {}),
  };
}

/** The console's session cookie: its name, whether it is Secure, its lifetime. */
export interface SessionCookie {
  /** `__Host-soc_session` when served over https (the prefix binds it to this host, Secure, Path=/), else `soc_session`. */
  readonly name: string;
  readonly secure: boolean;
  readonly maxAgeSeconds: number;
}

/** The session cookie settings of the environment (SOC_PUBLIC_URL's scheme, SOC_COOKIE_SECURE, SOC_SESSION_HOURS). */
export function sessionCookieOf(env: PlatformEnv): SessionCookie {
  const https = new URL(env.SOC_PUBLIC_URL).protocol === 'https:';
  return { name: https ? '__Host-soc_session' : 'soc_session', secure: https || env.SOC_COOKIE_SECURE, maxAgeSeconds: Math.round(env.SOC_SESSION_HOURS * 3600) };
}

/**
 * A console session as stored. `kind: 'token'`: signed in with a configured API token, so roles and tenants are read
 * from configuration on every request (a principal removed from it loses access at once). `kind: 'oidc'`: signed in
 * with Entra ID, its roles those of the ID token at sign-in, its tenants read from configuration on every request.
 */
export interface SessionRecord {
  readonly principal: string;
  readonly kind: 'token' | 'oidc';
  /** `oidc` only: the roles the ID token granted. */
  readonly roles?: readonly Role[];
  readonly csrfToken: string;
  readonly createdAt: string;
  readonly expiresAt: string;
}

/** Where console sessions live: keyed by the SHA-256 of the session id, so the store never holds a usable cookie. */
export const SESSIONS_COLLECTION = 'console-sessions';

const hashOf = (sessionId: string): string => createHash('sha256').update(sessionId, 'utf8').digest('hex');

/** A reference to a session for audit records and logs: a prefix of its store key, never usable as a cookie. */
export const sessionRefOf = (sessionId: string): string => hashOf(sessionId).slice(0, 16);
const randomToken = (): string => randomBytes(32).toString('base64url');

/**
 * Server-side console sessions in the state store: revocable (sign-out deletes, a TTL purges), shared by every
 * replica that shares the store, and the cookie holds nothing but a random id.
 */
export class StateSessionStore {
  readonly #state: StateStore;
  readonly #clock: Clock;
  constructor(state: StateStore, clock: Clock) {
    this.#state = state;
    this.#clock = clock;
  }

  /** Creates a new session (a new id on every sign-in: no fixation) and returns its id and record. */
  async create(input: { principal: string; kind: 'token' | 'oidc'; roles?: readonly Role[]; maxAgeSeconds: number }): Promise<{ sessionId: string; record: SessionRecord }> {
    const sessionId = randomToken();
    const now = this.#clock.now().getTime();
    const record: SessionRecord = {
      principal: input.principal,
      kind: input.kind,
      ...(input.roles !== undefined ? { roles: [...input.roles] } : {}),
      csrfToken: randomToken(),
      createdAt: new Date(now).toISOString(),
      expiresAt: new Date(now + input.maxAgeSeconds * 1000).toISOString(),
    };
    await this.#state.put(SESSIONS_COLLECTION, hashOf(sessionId), record, { ifNoneMatch: '*', ttlSeconds: input.maxAgeSeconds });
    return { sessionId, record };
  }

  /** The live session of this id; undefined when unknown or past its expiry. */
  async get(sessionId: string): Promise<SessionRecord | undefined> {
    const found = await this.#state.get<SessionRecord>(SESSIONS_COLLECTION, hashOf(sessionId));
    if (found === undefined || Date.parse(found.value.expiresAt) <= this.#clock.now().getTime()) return undefined;
    return found.value;
  }

  /** Signs a session out. */
  async delete(sessionId: string): Promise<void> {
    await this.#state.delete(SESSIONS_COLLECTION, hashOf(sessionId));
  }
}

/** What {@link sessionPrincipal} reads live from configuration. */
export interface PrincipalDirectory {
  readonly apiTokens: readonly NamedToken[];
  readonly apiRoles: ReadonlyMap<string, readonly Role[]>;
  readonly apiTenants: ReadonlyMap<string, TenantGrant>;
  readonly entra: EntraDirectory;
}

/** Who a stored session speaks for now; undefined when a token session's principal no longer has an API token. */
export function sessionPrincipal(record: SessionRecord, directory: PrincipalDirectory): AuthenticatedPrincipal | undefined {
  if (record.kind === 'token') {
    if (!directory.apiTokens.some((t) => t.name === record.principal)) return undefined;
    return { principal: record.principal, roles: directory.apiRoles.get(record.principal) ?? [], tenants: directory.apiTenants.get(record.principal) ?? [], via: 'session' };
  }
  return { principal: record.principal, roles: record.roles ?? [], tenants: directory.entra.tenantsOf(record.principal) ?? [], via: 'session' };
}

/** Resolves a session id to its principal and CSRF token, live. */
export function sessionLookup(sessions: StateSessionStore, directory: PrincipalDirectory): (sessionId: string) => Promise<ResolvedSession | undefined> {
  return async (sessionId) => {
    const record = await sessions.get(sessionId);
    const principal = record === undefined ? undefined : sessionPrincipal(record, directory);
    return record === undefined || principal === undefined ? undefined : { principal, csrfToken: record.csrfToken };
  };
}

/** What {@link apiPrincipalSources} needs of the platform. */
export interface ApiPrincipalSourcesInput extends Omit<PrincipalDirectory, 'entra'> {
  readonly env: PlatformEnv;
  readonly state: StateStore;
  readonly clock: Clock;
}

/**
 * The `/api` authentication chain: configured API tokens, then Entra ID bearer JWTs (when SOC_API_ENTRA_TENANT_ID is
 * set), then the console's session cookie.
 */
export function apiPrincipalSources(input: ApiPrincipalSourcesInput): PrincipalSource[] {
  const entra = resolveEntraDirectory(input.env);
  const settings = entraApiSettingsOf(input.env);
  const directory: PrincipalDirectory = { ...input, entra };
  return [
    tokenSource({ tokens: input.apiTokens, roles: input.apiRoles, tenants: input.apiTenants }),
    ...(settings === undefined
      ? []
      : [entraJwtSource({ ...settings, roleMap: entra.roleMap, tenantsOf: entra.tenantsOf, reservedNames: new Set(input.apiTokens.map((t) => t.name)), now: () => input.clock.now().getTime() })]),
    sessionSource({
      cookieName: sessionCookieOf(input.env).name,
      lookup: sessionLookup(new StateSessionStore(input.state, input.clock), directory),
      allowedOrigins: [new URL(input.env.SOC_PUBLIC_URL).origin],
    }),
  ];
}
