import type { Response } from 'express';
import { type TenantGrant, mayAccess, tenantsOf } from '@soc/http';
import type { CaseEventDoc } from './case-view.ts';

/**
 * What the caller of a route may see: its tenants (`res.locals.tenants`, from SOC_API_TENANTS), and the
 * deployment's tenant (SOC_TENANT_ID) that a record written before tenants were recorded belongs to.
 */
export interface TenantScope {
  readonly grant: TenantGrant;
  /** True when the caller may see (and act on) a record of `tenant`; undefined is the deployment's tenant. */
  sees(tenant: string | undefined): boolean;
}

/**
 * The one helper every case, alert, group and containment route asks before it answers: a record the caller's
 * tenants do not include is answered exactly like one that does not exist (404), and lists leave it out.
 */
export function tenantScope(res: Response, deploymentTenant: string): TenantScope {
  const grant = tenantsOf(res);
  return { grant, sees: (tenant) => mayAccess(grant, tenant ?? deploymentTenant) };
}

/**
 * The tenant of a case: its alert's (stamped by ingestion from the sender's credential), else the one its stored
 * events carry; undefined for a case stored before tenants were recorded (the deployment's, for {@link TenantScope}).
 */
export function tenantOfCase(events: readonly CaseEventDoc[], alert: { tenantId: string } | null | undefined): string | undefined {
  return alert?.tenantId ?? events.find((e) => e.tenantid !== undefined)?.tenantid;
}
