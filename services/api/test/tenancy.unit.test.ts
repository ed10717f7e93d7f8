import type { Response } from 'express';
import { describe, expect, it } from 'vitest';
import type { CaseEventDoc } from '../src/case-view.ts';
import { tenantOfCase, tenantScope } from '../src/tenancy.ts';

/** What authentication leaves on a response: the principal's tenants (`bearerAuth`), or nothing. */
const authenticated = (tenants?: unknown) => ({ locals: tenants === undefined ? {} : { tenants } }) as unknown as Response;
const doc = (tenantid?: string): CaseEventDoc => ({ alertId: 'alt-1', eventId: 'e', type: 'soc.triage.failed.v1', time: '2026-12-07T00:00:00Z', source: '/soc/triage', correlationid: 'c', causationid: null, requestId: null, data: {}, ...(tenantid !== undefined ? { tenantid } : {}) });

describe('tenantScope and tenantOfCase', () => {
  it('sees the principal’s tenants only; a record without tenant is the deployment’s', () => {
    const scope = tenantScope(authenticated(['contoso']), 'mssp');
    expect([scope.sees('contoso'), scope.sees('fabrikam'), scope.sees(undefined)]).toEqual([true, false, false]);
    const own = tenantScope(authenticated(['mssp']), 'mssp');
    expect([own.sees(undefined), own.sees('contoso')]).toEqual([true, false]);
    expect(tenantScope(authenticated('*'), 'mssp').sees('anything')).toBe(true);
  });

  it('fails closed: a response without tenants (no bearerAuth grant) sees nothing', () => {
    expect(tenantScope(authenticated(), 'mssp').sees(undefined)).toBe(false);
    expect(tenantScope(authenticated('contoso'), 'mssp').sees('contoso')).toBe(false);
  });

  it('a case’s tenant is its alert’s, else its events’, else unknown (a case stored before tenants were recorded)', () => {
    expect(tenantOfCase([doc('fabrikam')], { tenantId: 'contoso' })).toBe('contoso');
    expect(tenantOfCase([doc(), doc('fabrikam')], null)).toBe('fabrikam');
    expect(tenantOfCase([doc()], undefined)).toBeUndefined();
  });
});
