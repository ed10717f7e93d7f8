import type { Response } from 'express';

/**
 * What a tenant id may look like: letters, digits, `.`, `_` and `-`, 1–64 characters, starting with a letter or
 * digit. Strict on purpose: a tenant id is part of alert ids, case group keys and state queries, and it can never
 * hold the separators of the configuration that names it (`,` `:` `|` `*`).
 */
export const TENANT_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** True when `value` is a well-formed tenant id ({@link TENANT_ID_PATTERN}). */
export function isTenantId(value: string): boolean {
  return TENANT_ID_PATTERN.test(value);
}

/** The tenants a principal may see: every one (`*`, an MSSP's own analysts), or the ones named. */
export type TenantGrant = '*' | readonly string[];

/**
 * Whether a principal holding `grant` may see or act on a record of `tenant`: the one tenant check of the API.
 * Pure; a route that finds a record of another tenant answers as if it did not exist.
 */
export function mayAccess(grant: TenantGrant, tenant: string): boolean {
  return grant === '*' || grant.includes(tenant);
}

/** The tenants authentication put on the response (`res.locals.tenants`); none when absent (fail closed). */
export function tenantsOf(res: Response): TenantGrant {
  const tenants: unknown = res.locals.tenants;
  if (tenants === '*') return '*';
  return Array.isArray(tenants) ? (tenants as string[]) : [];
}
