import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { KeyedRateLimiter, problem, problemType } from '@soc/http';
import type { AuditTrail } from '@soc/audit';
import type { Logger } from '@soc/observability';
import type { Clock } from '@soc/runtime';

/** How many sign-in attempts (`POST /auth/session`, `GET /auth/login`, `GET /auth/callback`) are let through. */
export interface SignInLimits {
  /** Per client address (an IPv6 address counts by its /64), sustained and at once. */
  readonly perAddressPerMinute: number;
  /** For all clients together: what a distributed guesser gets at most. */
  readonly globalPerMinute: number;
}

/**
 * The key a client address is counted under: an IPv4 address (also when IPv4-mapped), or the /64 prefix of an IPv6
 * one (a single host is usually given a whole /64, so counting whole addresses would give it 2^64 budgets). Pure.
 */
export function addressKeyOf(address: string | undefined): string {
  if (address === undefined || address === '') return 'unknown';
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  if (mapped) return mapped[1]!;
  if (!address.includes(':')) return address;
  const [head = '', tail = ''] = address.toLowerCase().split('%')[0]!.split('::');
  const left = head === '' ? [] : head.split(':');
  const right = tail === '' ? [] : tail.split(':');
  const groups = address.includes('::') ? [...left, ...Array<string>(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}

/** What a refused or failed sign-in is recorded with: where from (the address key) and why (a category, no secret). */
export interface SignInRefusal {
  readonly via: 'token' | 'oidc';
  readonly reason: string;
}

/** The sign-in guard: a throttle in front of the sign-in routes and the record of every failed attempt. */
export interface SignInGuard {
  /** Middleware: 429 with Retry-After once an address, or everyone, has used its attempts. */
  readonly throttle: RequestHandler;
  /** Logs and audits a failed sign-in (`session.refused`: the address key and a reason, never what was presented). */
  refused(req: Request, refusal: SignInRefusal): Promise<void>;
}

/**
 * Builds the sign-in guard over two token buckets: every attempt costs one token from its address's bucket, then one
 * from the global bucket. `req.ip` is the peer address as the platform's `trust proxy` setting yields it.
 */
export function signInGuard(deps: { limits: SignInLimits; clock: Clock; audit: AuditTrail; log: Logger }): SignInGuard {
  const perAddress = new KeyedRateLimiter(deps.limits.perAddressPerMinute / 60, deps.limits.perAddressPerMinute);
  const global = new KeyedRateLimiter(deps.limits.globalPerMinute / 60, deps.limits.globalPerMinute);
  const throttle: RequestHandler = (req: Request, res: Response, next: NextFunction) => {
    const address = addressKeyOf(req.ip);
    const now = deps.clock.now().getTime();
    const mine = perAddress.take(address, now);
    const wait = mine > 0 ? mine : global.take('*', now);
    if (wait === 0) {
      next();
      return;
    }
    deps.log.warn({ address, scope: mine > 0 ? 'address' : 'global', path: req.path }, 'sign-in attempts throttled');
    res.setHeader('cache-control', 'no-store');
    res.setHeader('Retry-After', String(wait));
    problem(res, 429, {
      type: problemType('too-many-sign-ins'),
      title: 'Too many sign-in attempts',
      detail: mine > 0 ? 'Too many sign-in attempts from this address; wait before trying again.' : 'Too many sign-in attempts; wait before trying again.',
    });
  };
  return {
    throttle,
    async refused(req, refusal) {
      const address = addressKeyOf(req.ip);
      deps.log.warn({ address, via: refusal.via, reason: refusal.reason }, 'console sign-in refused');
      try {
        await deps.audit.append({ kind: 'session.refused', actor: 'anonymous', subject: `address:${address}`, data: { via: refusal.via, reason: refusal.reason } });
      } catch (err) {
        // The refusal stands either way; the log line above already tells it.
        deps.log.error({ err }, 'a refused sign-in could not be audited');
      }
    },
  };
}
