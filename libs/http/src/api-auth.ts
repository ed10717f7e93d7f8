import { createHash, timingSafeEqual } from 'node:crypto';
import type { Request, RequestHandler, Response } from 'express';
import { problem, problemType } from './problem.ts';
import { type Role, rolesOf } from './roles.ts';
import { type TenantGrant, tenantsOf } from './tenants.ts';
import { tokenMatcher, type BearerToken } from './bearer-auth.ts';

/** Who a request speaks for, as one principal source established it. */
export interface AuthenticatedPrincipal {
  readonly principal: string;
  readonly roles: readonly Role[];
  readonly tenants: TenantGrant;
  /** Which source vouched for it: `token` (a configured API token), `entra` (an Entra ID JWT), `session` (a cookie). */
  readonly via: 'token' | 'entra' | 'session';
}

/**
 * Asks again, later in a long request (a live stream), whom the credential the request was authenticated with speaks
 * for now: undefined when it no longer does (signed out, session expired, token or principal removed from
 * configuration, JWT past its `exp`). Cheap: at most one state read.
 */
export type PrincipalRecheck = () => Promise<AuthenticatedPrincipal | undefined>;

/**
 * What a principal source says of a request: `skip` (it carries no credential of this source), `ok` (with how to
 * {@link PrincipalRecheck | re-check} it), `invalid` (it carries one and it is not valid: 401), `forbidden` (a valid
 * credential used in a way it may not be, e.g. a cookie-authenticated POST without its CSRF token: 403) or
 * `unavailable` (it carries one that cannot be checked now because something the server depends on is down, e.g.
 * Entra ID's key set: 503 with Retry-After, never 401, which would tell a client to drop a valid credential).
 * `reason` is safe to log and to show: it never holds a credential or what a verifier found wrong in detail.
 */
export type SourceVerdict =
  | { readonly kind: 'skip' }
  | { readonly kind: 'ok'; readonly principal: AuthenticatedPrincipal; readonly recheck?: PrincipalRecheck }
  | { readonly kind: 'invalid'; readonly reason: string }
  | { readonly kind: 'forbidden'; readonly type: string; readonly detail: string }
  | { readonly kind: 'unavailable'; readonly reason: string; readonly retryAfterSeconds: number };

/**
 * Whom the credential of this request speaks for now (see {@link PrincipalRecheck}), for long requests that must end
 * with their credential. Without `apiAuth` in front (a route tested alone), the principal authentication left on
 * the response.
 */
export async function recheckPrincipal(res: Response): Promise<AuthenticatedPrincipal | undefined> {
  const recheck: unknown = res.locals.recheckPrincipal;
  if (typeof recheck === 'function') return (recheck as PrincipalRecheck)();
  if (typeof res.locals.principal !== 'string') return undefined;
  return { principal: res.locals.principal, roles: rolesOf(res), tenants: tenantsOf(res), via: res.locals.authVia ?? 'token' };
}

/** One way of authenticating an API request; {@link apiAuth} asks each in turn. */
export interface PrincipalSource {
  readonly name: string;
  authenticate(req: Request): SourceVerdict | Promise<SourceVerdict>;
}

/** Options of {@link apiAuth}. */
export interface ApiAuthOptions {
  /** Asked in order; the first that is not `skip` decides. */
  readonly sources: readonly PrincipalSource[];
  /** Realm in `WWW-Authenticate`. Default `soc`. */
  readonly realm?: string;
}

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
// Real tokens (Entra access tokens included) are far shorter; a bound keeps hashing and parsing cost bounded.
const MAX_AUTHORIZATION_LENGTH = 8192;

/** The bearer token of a request's `Authorization` header, when it has a well-formed one of bounded length. */
export function bearerTokenOf(req: Request): string | undefined {
  const header = req.get('authorization');
  if (header === undefined || header.length > MAX_AUTHORIZATION_LENGTH) return undefined;
  return BEARER.exec(header)?.[1];
}

/** True when a token has the shape of a JWS in compact form (three base64url parts): a JWT, not an opaque token. */
export function isJwtShaped(token: string): boolean {
  return /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(token);
}

/** Constant-time equality of two strings of any length (SHA-256 digests compared, so lengths leak nothing either). */
export function safeEqual(a: string, b: string): boolean {
  const digest = (v: string) => createHash('sha256').update(v, 'utf8').digest();
  return timingSafeEqual(digest(a), digest(b));
}

/**
 * Authenticates every request through a chain of principal sources (configured API tokens, Entra ID JWTs, the
 * console's session cookie) and sets `res.locals.principal`, `res.locals.roles`, `res.locals.tenants` and
 * `res.locals.authVia` from the first that vouches for it (and `res.locals.recheckPrincipal`, read through
 * {@link recheckPrincipal}); routes then `requireRole`. When a source cannot check a credential for want of a
 * dependency: 503 with Retry-After. When none vouches: 401 with
 * `WWW-Authenticate` (RFC 6750: `error="invalid_token"` when an `Authorization` header was sent) and a problem that
 * never echoes the credential nor says in detail why it failed.
 */
export function apiAuth(options: ApiAuthOptions): RequestHandler {
  const realm = options.realm ?? 'soc';
  return async (req, res, next) => {
    let invalid: string | undefined;
    for (const source of options.sources) {
      const verdict = await source.authenticate(req);
      if (verdict.kind === 'skip') continue;
      if (verdict.kind === 'ok') {
        res.locals.principal = verdict.principal.principal;
        res.locals.roles = verdict.principal.roles;
        res.locals.tenants = verdict.principal.tenants;
        res.locals.authVia = verdict.principal.via;
        const principal = verdict.principal;
        res.locals.recheckPrincipal = verdict.recheck ?? (async () => principal);
        next();
        return;
      }
      if (verdict.kind === 'forbidden') {
        problem(res, 403, { type: verdict.type, title: 'Forbidden', detail: verdict.detail });
        return;
      }
      if (verdict.kind === 'unavailable') {
        res.locals.authFailure = verdict.reason;
        res.setHeader('Retry-After', String(verdict.retryAfterSeconds));
        problem(res, 503, {
          type: problemType('dependency-unavailable'),
          title: 'Service Unavailable',
          detail: `The credential cannot be checked right now (${verdict.reason}); keep it and retry later.`,
        });
        return;
      }
      invalid = verdict.reason;
      break;
    }
    const header = req.get('authorization');
    res.setHeader('WWW-Authenticate', header === undefined ? `Bearer realm="${realm}"` : `Bearer realm="${realm}", error="invalid_token"`);
    if (invalid !== undefined) res.locals.authFailure = invalid;
    problem(res, 401, {
      type: problemType('unauthorized'),
      title: 'Unauthorized',
      detail:
        header === undefined
          ? invalid === undefined
            ? 'This endpoint requires an Authorization: Bearer token or a console session.'
            : `The console session is not valid (${invalid}); sign in again.`
          : `The bearer token is missing, malformed or not valid${invalid === undefined ? '' : ` (${invalid})`}.`,
    });
  };
}

/** Options of {@link tokenSource}. */
export interface TokenSourceOptions {
  readonly tokens: readonly BearerToken[];
  /** The roles of each principal (token name); a name it does not hold has none. */
  readonly roles?: ReadonlyMap<string, readonly Role[]>;
  /** The tenants of each principal; a name it does not hold sees none. */
  readonly tenants?: ReadonlyMap<string, TenantGrant>;
}

/**
 * Configured API tokens as a principal source (what `bearerAuth` checks): a matching bearer token is its name's
 * principal. A JWT-shaped token that matches none is left to the next source (an Entra ID verifier); any other
 * bearer token that matches none is invalid.
 */
export function tokenSource(options: TokenSourceOptions): PrincipalSource {
  const match = tokenMatcher(options.tokens);
  return {
    name: 'token',
    authenticate(req) {
      if (req.get('authorization') === undefined) return { kind: 'skip' };
      const presented = bearerTokenOf(req);
      const principal = presented === undefined ? undefined : match(presented);
      if (principal !== undefined) {
        const resolved: AuthenticatedPrincipal = { principal, roles: options.roles?.get(principal) ?? [], tenants: options.tenants?.get(principal) ?? [], via: 'token' };
        // The token list is this process's configuration: the token still matches its principal for as long as it runs.
        return { kind: 'ok', principal: resolved, recheck: async () => (match(presented!) === principal ? resolved : undefined) };
      }
      return presented !== undefined && isJwtShaped(presented) ? { kind: 'skip' } : { kind: 'invalid', reason: 'unknown token' };
    },
  };
}
