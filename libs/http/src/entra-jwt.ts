import { type JWTPayload, type JWTVerifyGetKey, createRemoteJWKSet, errors, jwtVerify } from 'jose';
import { AppError, ErrorCode } from '@soc/runtime';
import { type PrincipalSource, bearerTokenOf, isJwtShaped } from './api-auth.ts';
import { type Role, effectiveRoles, isRole, ROLES } from './roles.ts';
import type { TenantGrant } from './tenants.ts';

/** Clock skew allowed on `exp`, `nbf` and `iat` of Entra ID tokens. */
export const ENTRA_CLOCK_SKEW_SECONDS = 120;

/** Entra ID app role value → our role. */
export type EntraRoleMap = ReadonlyMap<string, Role>;

/** The default mapping: an app role whose value is one of our role names grants that role. */
export const DEFAULT_ENTRA_ROLE_MAP: EntraRoleMap = new Map(ROLES.map((r) => [r, r]));

/**
 * Parses `SOC.Viewer:viewer,SOC.Approver:approver` (app role value : our role). An unknown role of ours, an empty
 * value or an app role named twice is a configuration error (it would grant or withhold a role silently).
 */
export function parseEntraRoleMap(text: string | undefined, label = 'SOC_API_ENTRA_ROLE_MAP'): EntraRoleMap {
  if (text === undefined || text.trim() === '') return DEFAULT_ENTRA_ROLE_MAP;
  const map = new Map<string, Role>();
  for (const [index, entry] of text.split(',').entries()) {
    if (entry.trim() === '') continue;
    const i = entry.lastIndexOf(':');
    const appRole = entry.slice(0, i).trim();
    const role = entry.slice(i + 1).trim();
    const fail = (why: string) => new AppError(ErrorCode.CONFIGURATION_INVALID, `${label}: ${why}`, { retryable: false });
    if (i <= 0 || appRole === '' || role === '') throw fail(`entry ${index + 1} is not appRole:role`);
    if (!isRole(role)) throw fail(`app role "${appRole.slice(0, 64)}": unknown role "${role.slice(0, 32)}" (roles: ${ROLES.join(', ')})`);
    if (map.has(appRole)) throw fail(`app role "${appRole.slice(0, 64)}" is named twice`);
    map.set(appRole, role);
  }
  return map;
}

/** Our roles for a token's `roles` claim: mapped values only (unknown app roles ignored), completed by `effectiveRoles`. */
export function rolesFromClaim(claim: unknown, map: EntraRoleMap): Role[] {
  const values = Array.isArray(claim) ? claim.filter((v): v is string => typeof v === 'string') : [];
  return effectiveRoles(values.flatMap((v) => (map.has(v) ? [map.get(v)!] : [])));
}

/** The principal name of an Entra ID token: `preferred_username`, else `upn`, else the object id `oid`. */
export function entraPrincipalOf(claims: JWTPayload): string | undefined {
  for (const name of ['preferred_username', 'upn', 'oid'] as const) {
    const value = claims[name];
    // Names are bounded and printable: they go into logs, events and audit records.
    if (typeof value === 'string' && /^[\x21-\x7e]{1,256}$/.test(value)) return value;
  }
  return undefined;
}

/** Options of {@link entraJwtSource}. */
export interface EntraJwtSourceOptions {
  /** The Entra tenant (directory) id whose tokens are accepted: `tid` must equal it. */
  readonly tenantId: string;
  /** The API's application (client) id or App ID URI: `aud` must equal it. */
  readonly audience: string;
  /** Default `https://login.microsoftonline.com/<tenantId>/v2.0` (v2 access tokens). */
  readonly issuer?: string;
  /** Default `https://login.microsoftonline.com/<tenantId>/discovery/v2.0/keys`. */
  readonly jwksUrl?: string;
  /** Signing keys; default a remote JWKS at `jwksUrl` (cached, refetched on an unknown `kid` at most every 30 s). */
  readonly keys?: JWTVerifyGetKey;
  readonly roleMap?: EntraRoleMap;
  /** The tenants of an Entra principal (by its name); none when it returns undefined (fail closed). */
  readonly tenantsOf: (principal: string) => TenantGrant | undefined;
  /** Names of configured API tokens: an Entra principal of the same name is refused (it could pass for that principal). */
  readonly reservedNames?: ReadonlySet<string>;
  readonly now?: () => number;
}

/** The issuer of an Entra ID tenant's v2.0 tokens. */
export const entraIssuerOf = (tenantId: string): string => `https://login.microsoftonline.com/${tenantId}/v2.0`;

/** Seconds a client is asked to wait when Entra ID's key set cannot be fetched (the remote set's cooldown). */
export const ENTRA_KEYS_RETRY_AFTER_SECONDS = 30;

/**
 * True when a verification failed because the signing keys could not be fetched (timeout, network error, an answer
 * other than 200, a body that is no key set): the server's problem, never the caller's. jose throws its generic
 * `JOSEError` only when fetching a remote key set fails.
 */
export function isKeySetUnavailable(error: unknown): boolean {
  if (error instanceof errors.JWKSTimeout || error instanceof errors.JWKSInvalid) return true;
  if (!(error instanceof errors.JOSEError)) return true;
  return error.code === errors.JOSEError.code;
}

/** The safe reason a verification failed: a category, never the token nor the verifier's message. */
function reasonOf(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'expired';
  if (error instanceof errors.JWTClaimValidationFailed) return `claim ${error.claim} not accepted`;
  if (error instanceof errors.JWKSNoMatchingKey) return 'unknown signing key';
  if (error instanceof errors.JOSEAlgNotAllowed) return 'algorithm not allowed';
  return 'not valid';
}

/**
 * Bearer JWTs issued by Microsoft Entra ID for this API as a principal source: the signature (RS256 only, keys from
 * the tenant's JWKS), issuer, audience, `exp`/`nbf` (with {@link ENTRA_CLOCK_SKEW_SECONDS} of skew) and `tid` are
 * verified; the principal is the token's stable name ({@link entraPrincipalOf}), its roles the `roles` claim (Entra
 * app roles) mapped to ours, its tenants from configuration. Only JWT-shaped bearer tokens are its business. When the
 * key set cannot be fetched the verdict is `unavailable` (503 with Retry-After), not `invalid`.
 */
export function entraJwtSource(options: EntraJwtSourceOptions): PrincipalSource {
  const issuer = options.issuer ?? entraIssuerOf(options.tenantId);
  const keys = options.keys ?? createRemoteJWKSet(new URL(options.jwksUrl ?? `https://login.microsoftonline.com/${options.tenantId}/discovery/v2.0/keys`), { timeoutDuration: 5_000, cooldownDuration: 30_000 });
  const roleMap = options.roleMap ?? DEFAULT_ENTRA_ROLE_MAP;
  const now = options.now ?? Date.now;
  return {
    name: 'entra',
    async authenticate(req) {
      const token = bearerTokenOf(req);
      if (token === undefined || !isJwtShaped(token)) return { kind: 'skip' };
      let payload: JWTPayload;
      try {
        ({ payload } = await jwtVerify(token, keys, {
          issuer,
          audience: options.audience,
          algorithms: ['RS256'],
          clockTolerance: ENTRA_CLOCK_SKEW_SECONDS,
          currentDate: new Date(now()),
          requiredClaims: ['exp', 'iat', 'tid'],
        }));
      } catch (error) {
        // An outage of the key set is not the caller's fault: 503, so it keeps a token that may well be valid.
        if (isKeySetUnavailable(error)) return { kind: 'unavailable', reason: 'signing keys unavailable', retryAfterSeconds: ENTRA_KEYS_RETRY_AFTER_SECONDS };
        return { kind: 'invalid', reason: reasonOf(error) };
      }
      if (payload.tid !== options.tenantId) return { kind: 'invalid', reason: 'claim tid not accepted' };
      const principal = entraPrincipalOf(payload);
      if (principal === undefined) return { kind: 'invalid', reason: 'no principal name' };
      if (options.reservedNames?.has(principal)) return { kind: 'invalid', reason: 'principal name reserved' };
      const roles = rolesFromClaim(payload.roles, roleMap);
      // `exp` is required above; the token speaks for its principal until then (with the same skew), tenants read live.
      const validUntilMs = ((payload.exp ?? 0) + ENTRA_CLOCK_SKEW_SECONDS) * 1000;
      return {
        kind: 'ok',
        principal: { principal, roles, tenants: options.tenantsOf(principal) ?? [], via: 'entra' },
        recheck: async () => (now() < validUntilMs ? { principal, roles, tenants: options.tenantsOf(principal) ?? [], via: 'entra' } : undefined),
      };
    },
  };
}
