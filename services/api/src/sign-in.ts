import { readFileSync } from 'node:fs';
import express, { type Router } from 'express';
import { type Platform, StateSessionStore, resolveEntraDirectory, sessionCookieOf } from '@soc/platform';
import type { ApiConfig } from './config.ts';
import { type OidcSettings, oidcRoutes } from './oidc-routes.ts';
import { sessionRoutes } from './session-routes.ts';
import { signInGuard } from './sign-in-limits.ts';

/** The console's OpenID Connect settings, when SOC_CONSOLE_OIDC_ISSUER is set (the secret read from its file, trimmed). */
export function oidcSettingsOf(config: ApiConfig, publicUrl: string): OidcSettings | undefined {
  if (config.SOC_CONSOLE_OIDC_ISSUER === undefined || config.SOC_CONSOLE_OIDC_CLIENT_ID === undefined) return undefined;
  let clientSecret: string | undefined;
  if (config.SOC_CONSOLE_OIDC_CLIENT_SECRET_FILE !== undefined) {
    clientSecret = readFileSync(config.SOC_CONSOLE_OIDC_CLIENT_SECRET_FILE, 'utf8').trim();
    if (clientSecret === '') throw new Error('SOC_CONSOLE_OIDC_CLIENT_SECRET_FILE is empty');
  }
  return {
    issuer: new URL(config.SOC_CONSOLE_OIDC_ISSUER),
    clientId: config.SOC_CONSOLE_OIDC_CLIENT_ID,
    ...(clientSecret !== undefined ? { clientSecret } : {}),
    redirectUri: config.SOC_CONSOLE_OIDC_REDIRECT_URI ?? new URL('/auth/callback', publicUrl).href,
    sessionMaxAgeSeconds: Math.round(config.SOC_SESSION_OIDC_HOURS * 3600),
  };
}

/**
 * The console's sign-in routes under `/auth` (public: they authenticate their callers themselves): the session a
 * configured API token is exchanged for, and, when configured, OpenID Connect sign-in (Entra ID). The `/api` chain of
 * the platform accepts the same cookie.
 */
export function signInRoutes(platform: Platform, config: ApiConfig): Router {
  const router = express.Router();
  const sessions = new StateSessionStore(platform.state, platform.clock);
  const entra = resolveEntraDirectory(platform.env);
  const directory = { apiTokens: platform.apiTokens, apiRoles: platform.apiRoles, apiTenants: platform.apiTenants, entra };
  const cookie = sessionCookieOf(platform.env);
  const allowedOrigins = [new URL(platform.env.SOC_PUBLIC_URL).origin];
  const oidc = oidcSettingsOf(config, platform.env.SOC_PUBLIC_URL);
  // One guard for every way in: a guesser does not get a second budget on the other route.
  const guard = signInGuard({ limits: { perAddressPerMinute: config.SOC_SIGN_IN_PER_ADDRESS_PER_MINUTE, globalPerMinute: config.SOC_SIGN_IN_GLOBAL_PER_MINUTE }, clock: platform.clock, audit: platform.audit, log: platform.log });
  router.use(sessionRoutes({ sessions, directory, cookie, allowedOrigins, oidc: oidc !== undefined, audit: platform.audit, guard }));
  if (oidc !== undefined) {
    router.use(oidcRoutes({ settings: oidc, sessions, cookie, roleMap: entra.roleMap, reservedNames: new Set(platform.apiTokens.map((t) => t.name)), state: platform.state, clock: platform.clock, log: platform.log, audit: platform.audit, guard }));
  }
  return router;
}
