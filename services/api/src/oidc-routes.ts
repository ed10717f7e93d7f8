import { createHash } from 'node:crypto';
import express, { type Request, type Response, type Router } from 'express';
import * as oidc from 'openid-client';
import { type EntraRoleMap, cookieOf, entraPrincipalOf, problem, problemType, rolesFromClaim, safeEqual } from '@soc/http';
import type { Logger } from '@soc/observability';
import type { SessionCookie, StateSessionStore } from '@soc/platform';
import type { Clock } from '@soc/runtime';
import type { StateStore } from '@soc/state';
import type { AuditTrail } from '@soc/audit';
import type { SignInGuard } from './sign-in-limits.ts';
import { auditSignIn, currentSession, setSessionCookie } from './session-routes.ts';

/** The console's OpenID Connect client, as configured. */
export interface OidcSettings {
  readonly issuer: URL;
  readonly clientId: string;
  /** A confidential client's secret; absent: a public client (PKCE alone). */
  readonly clientSecret?: string;
  readonly redirectUri: string;
  /**
   * The longest an OIDC session lasts (the shorter of this and the cookie's lifetime): it keeps the roles of its ID
   * token, so this bounds how long a role removed in Entra ID outlives the removal. Absent: the cookie's lifetime.
   */
  readonly sessionMaxAgeSeconds?: number;
}

/** Options of {@link oidcRoutes}. */
export interface OidcRoutesOptions {
  readonly settings: OidcSettings;
  readonly sessions: StateSessionStore;
  readonly cookie: SessionCookie;
  readonly roleMap: EntraRoleMap;
  /** Names of configured API tokens: an OIDC principal of the same name is refused (it could pass for that principal). */
  readonly reservedNames: ReadonlySet<string>;
  readonly state: StateStore;
  readonly clock: Clock;
  readonly log: Logger;
  readonly audit: AuditTrail;
  /** Throttles sign-in attempts per address and in all, and records the failed ones (`session.refused`). */
  readonly guard: SignInGuard;
}

/** Sign-ins under way: the PKCE verifier and nonce of each, keyed by the SHA-256 of its `state`, for 10 minutes. */
export const LOGINS_COLLECTION = 'console-logins';
const LOGIN_TTL_SECONDS = 600;

interface PendingLogin {
  readonly codeVerifier: string;
  readonly nonce: string;
  readonly startedAt: string;
}

const hashOf = (value: string): string => createHash('sha256').update(value, 'utf8').digest('hex');

/**
 * The login cookie binds a sign-in to the browser that started it (SameSite=Lax: it must come back on the provider's
 * top-level redirect, which Strict would drop). It holds the `state`, a random value, nothing else.
 */
const loginCookieName = (cookie: SessionCookie): string => cookie.name.replace('soc_session', 'soc_login');

/**
 * A sign-in that did not complete: the problem says so plainly, the log and the audit trail say why (a category, no
 * token or code).
 */
async function failed(req: Request, res: Response, guard: SignInGuard, reason: string): Promise<void> {
  await guard.refused(req, { via: 'oidc', reason });
  problem(res, 400, { type: problemType('sign-in-failed'), title: 'Sign-in failed', detail: 'The sign-in could not be completed; start again from the console.' });
}

/** The OpenID Connect error code of a failure, when it has one (openid-client's `code`, or the provider's `error`). */
function reasonOf(error: unknown): string {
  const e = error as { code?: unknown; error?: unknown; name?: unknown };
  const parts = [e.name, e.code, e.error].filter((p): p is string => typeof p === 'string' && /^[\w.-]{1,80}$/.test(p));
  return parts.length > 0 ? parts.join(' ') : 'unknown';
}

/**
 * Console sign-in with OpenID Connect (Entra ID): `GET /auth/login` starts an authorization code flow with PKCE
 * (S256), `state` and `nonce`; `GET /auth/callback` checks the `state` against this browser's login cookie, takes the
 * sign-in's verifier and nonce once (a replayed callback finds none), redeems the code, verifies the ID token
 * (issuer, audience, signature, nonce), then opens a session (new id) for the token's principal with the roles its
 * `roles` claim maps to, and redirects to `/` — never anywhere a request names.
 */
export function oidcRoutes(options: OidcRoutesOptions): Router {
  const { settings, log } = options;
  const loginCookie = loginCookieName(options.cookie);
  const loginCookieOptions = { httpOnly: true, sameSite: 'lax' as const, secure: options.cookie.secure, path: '/' };
  let configuration: Promise<oidc.Configuration> | undefined;
  const configurationOf = (): Promise<oidc.Configuration> => {
    configuration ??= oidc
      .discovery(
        settings.issuer,
        settings.clientId,
        undefined,
        settings.clientSecret !== undefined ? oidc.ClientSecretPost(settings.clientSecret) : oidc.None(),
        // Plain http only for a provider on this machine (tests); config.ts refuses any other.
        settings.issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests], timeout: 10 } : { timeout: 10 },
      )
      .catch((error: unknown) => {
        configuration = undefined; // the next sign-in tries discovery again
        throw error;
      });
    return configuration;
  };
  const router = express.Router();
  router.get('/auth/login', options.guard.throttle, async (_req: Request, res: Response) => {
    res.setHeader('cache-control', 'no-store');
    let config: oidc.Configuration;
    try {
      config = await configurationOf();
    } catch (error) {
      log.warn({ reason: reasonOf(error) }, 'the OpenID provider could not be discovered');
      problem(res, 503, { type: problemType('dependency-unavailable'), title: 'Service Unavailable', detail: 'The identity provider cannot be reached; try again shortly.' });
      return;
    }
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const pending: PendingLogin = { codeVerifier, nonce, startedAt: options.clock.now().toISOString() };
    await options.state.put(LOGINS_COLLECTION, hashOf(state), pending, { ttlSeconds: LOGIN_TTL_SECONDS });
    res.cookie(loginCookie, state, { ...loginCookieOptions, maxAge: LOGIN_TTL_SECONDS * 1000 });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: settings.redirectUri,
      scope: 'openid profile',
      response_type: 'code',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
    });
    res.redirect(302, url.href);
  });
  router.get('/auth/callback', options.guard.throttle, async (req: Request, res: Response) => {
    res.setHeader('cache-control', 'no-store');
    res.clearCookie(loginCookie, loginCookieOptions);
    const state = typeof req.query.state === 'string' ? req.query.state : undefined;
    const bound = cookieOf(req, loginCookie);
    if (state === undefined || state.length > 256) return failed(req, res, options.guard, 'no state');
    if (bound === undefined || !safeEqual(state, bound)) return failed(req, res, options.guard, 'state does not match this browser');
    const found = await options.state.get<PendingLogin>(LOGINS_COLLECTION, hashOf(state));
    // Taken once: a replayed callback (or a second tab racing this one) finds nothing.
    if (found === undefined || !(await options.state.delete(LOGINS_COLLECTION, hashOf(state), { ifMatch: found.etag }))) return failed(req, res, options.guard, 'unknown, expired or used sign-in');
    const { codeVerifier, nonce } = found.value;
    if (typeof codeVerifier !== 'string' || codeVerifier.length < 43 || typeof nonce !== 'string' || nonce === '') return failed(req, res, options.guard, 'sign-in record incomplete');
    let claims: oidc.IDToken | undefined;
    try {
      const config = await configurationOf();
      const current = new URL(settings.redirectUri);
      current.search = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      const tokens = await oidc.authorizationCodeGrant(config, current, { pkceCodeVerifier: codeVerifier, expectedState: state, expectedNonce: nonce, idTokenExpected: true });
      claims = tokens.claims();
    } catch (error) {
      return failed(req, res, options.guard, reasonOf(error));
    }
    const principal = claims === undefined ? undefined : entraPrincipalOf(claims);
    if (claims === undefined || principal === undefined) return failed(req, res, options.guard, 'no principal name in the ID token');
    if (options.reservedNames.has(principal)) return failed(req, res, options.guard, 'principal name reserved for an API token');
    const previous = await currentSession(req, options);
    if (previous !== undefined) await options.sessions.delete(previous.id);
    const maxAgeSeconds = Math.min(options.cookie.maxAgeSeconds, settings.sessionMaxAgeSeconds ?? options.cookie.maxAgeSeconds);
    const { sessionId, record } = await options.sessions.create({ principal, kind: 'oidc', roles: rolesFromClaim(claims.roles, options.roleMap), maxAgeSeconds });
    await auditSignIn(options, sessionId, record);
    res.locals.principal = principal;
    setSessionCookie(res, options.cookie, sessionId, maxAgeSeconds);
    res.redirect(303, '/');
  });
  return router;
}
