import { createHmac, createSecretKey, randomBytes, timingSafeEqual } from 'node:crypto';
import type { RequestHandler } from 'express';
import { AppError, ErrorCode } from '@soc/runtime';
import { problem, problemType } from './problem.ts';
import type { Role } from './roles.ts';
import type { TenantGrant } from './tenants.ts';

/** A named API token. The name identifies the caller in logs and events; the token never leaves this module. */
export interface BearerToken {
  readonly name: string;
  readonly token: string;
}

/** Options of {@link bearerAuth}. */
export interface BearerAuthOptions {
  readonly tokens: readonly BearerToken[];
  /** Realm in `WWW-Authenticate`. Default `soc`. */
  readonly realm?: string;
  /**
   * The roles of each principal (token name), set as `res.locals.roles` for `requireRole`; a name it does not hold
   * has none. Absent: every principal has none.
   */
  readonly roles?: ReadonlyMap<string, readonly Role[]>;
  /**
   * The tenants of each principal, set as `res.locals.tenants` for the routes' tenant check (`mayAccess`); a name it
   * does not hold sees no tenant. Absent: every principal sees none.
   */
  readonly tenants?: ReadonlyMap<string, TenantGrant>;
}

/** Shortest token accepted; shorter ones are guessable and almost always a placeholder left in config. */
export const MIN_TOKEN_LENGTH = 16;

const BEARER = /^Bearer +([A-Za-z0-9\-._~+/]+=*) *$/i;
// Real tokens are far shorter; a bound keeps hashing cost constant-ish per request.
const MAX_TOKEN_LENGTH = 4096;

function invalidConfig(message: string): AppError {
  return new AppError(ErrorCode.CONFIGURATION_INVALID, `bearerAuth: ${message}`, { retryable: false });
}

/** Checks the token list once at start-up; messages name tokens, never show them. */
function validate(tokens: readonly BearerToken[]): void {
  if (tokens.length === 0) throw invalidConfig('at least one token is required');
  const values = new Set<string>();
  // A name may have several tokens: while a token rotates, the old and the new one are both live, and both name the
  // same caller (whose name, not token, identifies it in events and alert ids).
  for (const { name, token } of tokens) {
    if (name.trim() === '') throw invalidConfig('every token needs a name');
    if (token.length < MIN_TOKEN_LENGTH) {
      throw invalidConfig(`token "${name}" is shorter than ${MIN_TOKEN_LENGTH} characters`);
    }
    if (!BEARER.test(`Bearer ${token}`)) throw invalidConfig(`token "${name}" has characters a bearer token cannot`);
    if (values.has(token)) throw invalidConfig(`token "${name}" has the same value as another token`);
    values.add(token);
  }
}

/**
 * Creates a matcher that compares a presented token with every configured one in constant time: both sides are
 * HMAC-SHA-256 digests under a per-process random key (equal length, as `timingSafeEqual` requires), and the loop
 * never exits early, so the time taken reveals neither whether nor which token matched.
 */
export function tokenMatcher(tokens: readonly BearerToken[]): (presented: string) => string | undefined {
  validate(tokens);
  // A KeyObject, made once: HMAC with a raw Buffer key re-imports it on every call (~5× slower per request).
  const key = createSecretKey(randomBytes(32));
  const digest = (value: string): Buffer => createHmac('sha256', key).update(value, 'utf8').digest();
  const expected = tokens.map(({ name, token }) => ({ name, digest: digest(token) }));
  return (presented) => {
    const presentedDigest = digest(presented);
    let principal: string | undefined;
    for (const candidate of expected) {
      const equal = timingSafeEqual(presentedDigest, candidate.digest);
      principal = equal ? candidate.name : principal;
    }
    return principal;
  };
}

/**
 * Requires `Authorization: Bearer <token>` matching one of the configured tokens; sets `res.locals.principal` to the
 * token's name and `res.locals.roles` to its roles (authentication happens once; routes then `requireRole`). Missing or wrong tokens get a 401 problem with `WWW-Authenticate` (RFC 6750) that never echoes
 * what was sent.
 */
export function bearerAuth(options: BearerAuthOptions): RequestHandler {
  const match = tokenMatcher(options.tokens);
  const realm = options.realm ?? 'soc';
  return (req, res, next) => {
    const header = req.get('authorization');
    const presented = header === undefined || header.length > MAX_TOKEN_LENGTH ? undefined : BEARER.exec(header)?.[1];
    const principal = presented === undefined ? undefined : match(presented);
    if (principal !== undefined) {
      res.locals.principal = principal;
      res.locals.roles = options.roles?.get(principal) ?? [];
      res.locals.tenants = options.tenants?.get(principal) ?? [];
      next();
      return;
    }
    // RFC 6750: no error code when credentials are absent, invalid_token when they were sent but are wrong.
    res.setHeader(
      'WWW-Authenticate',
      header === undefined ? `Bearer realm="${realm}"` : `Bearer realm="${realm}", error="invalid_token"`,
    );
    problem(res, 401, {
      type: problemType('unauthorized'),
      title: 'Unauthorized',
      detail:
        header === undefined
          ? 'This endpoint requires an Authorization: Bearer token.'
          : 'The bearer token is missing, malformed or not valid.',
    });
  };
}
