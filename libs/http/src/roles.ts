import type { RequestHandler, Response } from 'express';
import { problem, problemType } from './problem.ts';

/**
 * What an analyst principal may do on the API. Roles are granted per principal by configuration (`SOC_API_ROLES`);
 * alert senders have none (they authenticate with ingestion credentials and can only send).
 */
export const ROLES = ['viewer', 'analyst', 'approver', 'hunter', 'admin'] as const;
/** One of {@link ROLES}. */
export type Role = (typeof ROLES)[number];

/** What each role is for, in the words a 403 and the docs use. */
export const ROLE_PURPOSE: Readonly<Record<Role, string>> = {
  viewer: 'read cases, alerts, case groups, stalled alerts and case hunts',
  analyst: 'post dispositions and notes, assign cases and set their status',
  approver: 'approve or deny containment',
  hunter: 'run hunt queries and read their audit trail',
  admin: 'read and replay the quarantine and dead letters, freeze containment, tune triage per tenant',
};

/** True when `value` names a role. */
export function isRole(value: string): value is Role {
  return (ROLES as readonly string[]).includes(value);
}

/**
 * The roles a grant gives: each role as granted, and `viewer` with any other one (whoever may act on a case must
 * be able to read it first). Sorted in {@link ROLES} order, so equal grants describe alike.
 */
export function effectiveRoles(granted: Iterable<Role>): Role[] {
  const set = new Set<Role>(granted);
  if (set.size > 0) set.add('viewer');
  return ROLES.filter((r) => set.has(r));
}

/** The roles authentication put on the response (`res.locals.roles`); none when absent. */
export function rolesOf(res: Response): readonly Role[] {
  const roles: unknown = res.locals.roles;
  return Array.isArray(roles) ? (roles as Role[]) : [];
}

/**
 * A role check as a route holds it: the middleware, marked with the role it requires (for route audits). It reads
 * no request parameters, so its `req` takes any (it leaves the route's own parameter types to the handler).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type RoleCheck = RequestHandler<any> & { readonly requiredRole: Role };

/**
 * Lets a request through only when the authenticated principal holds `role` (`res.locals.roles`, set by
 * `bearerAuth`); otherwise 403 with a problem naming the missing role and the principal, never the token. Every
 * `/api` route declares its role with this, so none is open to any token.
 */
export function requireRole(role: Role): RoleCheck {
  const check: RequestHandler = (_req, res, next) => {
    if (rolesOf(res).includes(role)) {
      next();
      return;
    }
    const principal = typeof res.locals.principal === 'string' ? res.locals.principal : undefined;
    problem(res, 403, {
      type: problemType('missing-role'),
      title: 'Forbidden',
      detail: `This route needs the ${role} role (${ROLE_PURPOSE[role]}); ${principal === undefined ? 'the caller does' : `principal "${principal}" does`} not have it. An administrator grants roles in SOC_API_ROLES.`,
      extensions: { role },
    });
  };
  return Object.assign(check, { requiredRole: role });
}
