import express, { type Router } from 'express';
import { type Platform, StateSessionStore, resolveEntraDirectory, sessionCookieOf } from '@soc/platform';
import { sessionRoutes } from './session-routes.ts';

/**
 * The console's sign-in routes under `/auth` (public: they authenticate their callers themselves): the session a
 * configured API token is exchanged for. The `/api` chain of the platform accepts the same cookie.
 */
export function signInRoutes(platform: Platform): Router {
  const router = express.Router();
  const sessions = new StateSessionStore(platform.state, platform.clock);
  const directory = { apiTokens: platform.apiTokens, apiRoles: platform.apiRoles, apiTenants: platform.apiTenants, entra: resolveEntraDirectory(platform.env) };
  const cookie = sessionCookieOf(platform.env);
  const allowedOrigins = [new URL(platform.env.SOC_PUBLIC_URL).origin];
  router.use(sessionRoutes({ sessions, directory, cookie, allowedOrigins }));
  return router;
}
