import type { Request } from 'express';
import { type AuthenticatedPrincipal, type PrincipalSource, safeEqual } from './api-auth.ts';
import { problemType } from './problem.ts';

/** The header a cookie-authenticated request of an unsafe method carries its session's CSRF token in. */
export const CSRF_HEADER = 'x-csrf-token';

/** A session as its store resolves it: who it speaks for (roles and tenants as of now) and its CSRF token. */
export interface ResolvedSession {
  readonly principal: AuthenticatedPrincipal;
  readonly csrfToken: string;
}

/** Finds a live session by the id its cookie holds; undefined when unknown, expired, signed out or its principal is gone. */
export type SessionLookup = (sessionId: string) => Promise<ResolvedSession | undefined>;

// Session ids are 32 random bytes, base64url: 43 characters. Anything else is not ours and costs no lookup.
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** The value of cookie `name` in a request's `Cookie` header (the first one; undefined when absent). */
export function cookieOf(req: Request, name: string): string | undefined {
  const header = req.get('cookie');
  if (header === undefined || header.length > 8192) return undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i > 0 && part.slice(0, i).trim() === name) return part.slice(i + 1).trim();
  }
  return undefined;
}

/** Options of {@link sessionSource}. */
export interface SessionSourceOptions {
  readonly cookieName: string;
  readonly lookup: SessionLookup;
  /** Origins (scheme://host[:port]) that may send unsafe requests besides the request's own host; e.g. the public URL's. */
  readonly allowedOrigins?: readonly string[];
}

/**
 * True when a request's `Origin` (if it sent one) is this server: one of `allowed`, or the host the request was sent
 * to. Browsers send `Origin` on every cross-site and every unsafe request; a page of another site cannot forge it.
 */
export function isSameOrigin(req: Request, allowed: readonly string[] = []): boolean {
  const origin = req.get('origin');
  if (origin === undefined) return true;
  if (allowed.includes(origin)) return true;
  try {
    const url = new URL(origin);
    return url.origin === origin && url.host === req.get('host');
  } catch {
    return false;
  }
}

/**
 * The console's session cookie as a principal source. It speaks only for requests without an `Authorization` header
 * (a bearer token always wins and needs no CSRF token). Every unsafe method (anything but GET, HEAD, OPTIONS) must
 * carry the session's CSRF token in `X-CSRF-Token` and, when it sends `Origin`, come from this origin: otherwise 403
 * `urn:soc:problem:csrf`, before any route runs.
 */
export function sessionSource(options: SessionSourceOptions): PrincipalSource {
  return {
    name: 'session',
    async authenticate(req) {
      if (req.get('authorization') !== undefined) return { kind: 'skip' };
      const id = cookieOf(req, options.cookieName);
      if (id === undefined) return { kind: 'skip' };
      const session = SESSION_ID.test(id) ? await options.lookup(id) : undefined;
      if (session === undefined) return { kind: 'invalid', reason: 'unknown or expired session' };
      if (!SAFE_METHODS.has(req.method)) {
        const csrf = req.get(CSRF_HEADER);
        if (csrf === undefined || !safeEqual(csrf, session.csrfToken)) {
          return { kind: 'forbidden', type: problemType('csrf'), detail: 'A request authenticated by the console session must carry its X-CSRF-Token (from GET /auth/session).' };
        }
        if (!isSameOrigin(req, options.allowedOrigins)) {
          return { kind: 'forbidden', type: problemType('csrf'), detail: 'A request authenticated by the console session must come from the console\'s own origin.' };
        }
      }
      // Re-read on each check: a session signed out, expired or whose principal left configuration speaks for nobody.
      return { kind: 'ok', principal: session.principal, recheck: async () => (await options.lookup(id))?.principal };
    },
  };
}
