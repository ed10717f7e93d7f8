import express, { type Request, type Response, type Router } from 'express';
import { z } from 'zod';
import { CSRF_HEADER, cookieOf, isSameOrigin, jsonBody, problem, problemType, safeEqual, tokenMatcher, type BearerToken } from '@soc/http';
import type { AuditTrail } from '@soc/audit';
import type { SignInGuard } from './sign-in-limits.ts';
import { type PrincipalDirectory, type SessionCookie, type SessionRecord, type StateSessionStore, sessionPrincipal, sessionRefOf } from '@soc/platform';

/** Options of {@link sessionRoutes}. */
export interface SessionRoutesOptions {
  readonly sessions: StateSessionStore;
  readonly directory: PrincipalDirectory;
  readonly cookie: SessionCookie;
  /** Origins besides the request's own host that may sign in and out (the public URL's). */
  readonly allowedOrigins: readonly string[];
  /** Whether `GET /auth/login` (OpenID Connect) is configured: the 401 of `GET /auth/session` says so, for the console. */
  readonly oidc?: boolean;
  /** Where sign-ins and sign-outs are recorded (`session.opened`, `session.closed`: principal, how, a session reference). */
  readonly audit: AuditTrail;
  /** Throttles sign-in attempts per address and in all, and records the failed ones (`session.refused`). */
  readonly guard: SignInGuard;
}

/**
 * Records a sign-in on the audit trail before the cookie is set; when the record cannot be written the session is
 * ended again and the sign-in fails (the error handler answers 500): no session the trail does not show.
 */
export async function auditSignIn(options: Pick<SessionRoutesOptions, 'audit' | 'sessions'>, sessionId: string, record: SessionRecord): Promise<void> {
  try {
    await options.audit.append({ kind: 'session.opened', actor: record.principal, subject: `session:${sessionRefOf(sessionId)}`, data: { via: record.kind, expiresAt: record.expiresAt } });
  } catch (error) {
    await options.sessions.delete(sessionId);
    throw error;
  }
}

const SignIn = z.object({ token: z.string().min(1).max(4096) }).strict();
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/** Sets the session cookie: HttpOnly (never readable by script), SameSite=Strict, Path=/, Secure over https; as long-lived as its session. */
export function setSessionCookie(res: Response, cookie: SessionCookie, sessionId: string, maxAgeSeconds = cookie.maxAgeSeconds): void {
  res.cookie(cookie.name, sessionId, { httpOnly: true, sameSite: 'strict', secure: cookie.secure, path: '/', maxAge: maxAgeSeconds * 1000 });
}

function clearSessionCookie(res: Response, cookie: SessionCookie): void {
  res.clearCookie(cookie.name, { httpOnly: true, sameSite: 'strict', secure: cookie.secure, path: '/' });
}

/** The session a request's cookie names, when it is well-formed and live. */
export async function currentSession(req: Request, options: Pick<SessionRoutesOptions, 'sessions' | 'cookie'>): Promise<{ id: string; record: SessionRecord } | undefined> {
  const id = cookieOf(req, options.cookie.name);
  if (id === undefined || !SESSION_ID.test(id)) return undefined;
  const record = await options.sessions.get(id);
  return record === undefined ? undefined : { id, record };
}

/** What `POST` and `GET /auth/session` answer: who is signed in, and the CSRF token unsafe requests must carry. */
function describe(record: SessionRecord, directory: PrincipalDirectory) {
  const who = sessionPrincipal(record, directory);
  if (who === undefined) return undefined;
  return { principal: who.principal, roles: who.roles, tenants: who.tenants, signedInWith: record.kind, csrfToken: record.csrfToken, expiresAt: record.expiresAt };
}

const unauthorized = (res: Response, detail: string) => problem(res, 401, { type: problemType('unauthorized'), title: 'Unauthorized', detail });
const crossOrigin = (res: Response) => problem(res, 403, { type: problemType('csrf'), title: 'Forbidden', detail: 'Sign-in and sign-out must come from the console\'s own origin.' });

/**
 * The console's session (public routes, outside `/api`): `POST /auth/session` `{ token }` exchanges a configured API
 * token for a session cookie (a new session id every time: no fixation), `GET /auth/session` says who is signed in
 * (with the CSRF token), `DELETE /auth/session` signs out. The token is never stored, logged or echoed. Sign-in
 * attempts are throttled per address and in all (429 with Retry-After); failed ones are audited (`session.refused`).
 */
export function sessionRoutes(options: SessionRoutesOptions): Router {
  const router = express.Router();
  const match = tokenMatcher(options.directory.apiTokens as readonly BearerToken[]);
  const noStore = (_req: Request, res: Response, next: express.NextFunction) => {
    res.setHeader('cache-control', 'no-store');
    next();
  };
  // Throttled before the body is read: a guesser pays for every attempt, whatever it sends.
  router.post('/auth/session', noStore, options.guard.throttle, jsonBody({ limitBytes: 8 * 1024 }), async (req, res) => {
    if (!isSameOrigin(req, options.allowedOrigins)) {
      await options.guard.refused(req, { via: 'token', reason: 'cross-origin' });
      return crossOrigin(res);
    }
    const parsed = SignIn.safeParse(req.body);
    if (!parsed.success) {
      await options.guard.refused(req, { via: 'token', reason: 'malformed body' });
      return problem(res, 400, { type: problemType('validation-failed'), title: 'Bad Request', detail: 'The body must be { "token": "<an API token>" }.' });
    }
    const principal = match(parsed.data.token);
    if (principal === undefined) {
      await options.guard.refused(req, { via: 'token', reason: 'unknown token' });
      return unauthorized(res, 'The token is not a valid API token.');
    }
    // Signing in again replaces the session this browser had.
    const previous = await currentSession(req, options);
    if (previous !== undefined) await options.sessions.delete(previous.id);
    const { sessionId, record } = await options.sessions.create({ principal, kind: 'token', maxAgeSeconds: options.cookie.maxAgeSeconds });
    await auditSignIn(options, sessionId, record);
    res.locals.principal = principal;
    setSessionCookie(res, options.cookie, sessionId);
    res.status(201).json(describe(record, options.directory));
  });
  router.get('/auth/session', noStore, async (req, res) => {
    const session = await currentSession(req, options);
    const described = session === undefined ? undefined : describe(session.record, options.directory);
    if (described === undefined) {
      return problem(res, 401, { type: problemType('unauthorized'), title: 'Unauthorized', detail: 'Not signed in.', extensions: { signIn: { token: true, oidc: options.oidc ?? false } } });
    }
    res.locals.principal = described.principal;
    res.json(described);
  });
  router.delete('/auth/session', noStore, async (req, res) => {
    if (!isSameOrigin(req, options.allowedOrigins)) return crossOrigin(res);
    const session = await currentSession(req, options);
    if (session !== undefined) {
      const csrf = req.get(CSRF_HEADER);
      if (csrf === undefined || !safeEqual(csrf, session.record.csrfToken)) {
        return problem(res, 403, { type: problemType('csrf'), title: 'Forbidden', detail: 'Signing out needs the session\'s X-CSRF-Token.' });
      }
      await options.sessions.delete(session.id);
      await options.audit.append({ kind: 'session.closed', actor: session.record.principal, subject: `session:${sessionRefOf(session.id)}`, data: { via: session.record.kind } });
    }
    clearSessionCookie(res, options.cookie);
    res.status(204).end();
  });
  return router;
}
