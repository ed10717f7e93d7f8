import { describe, expect, it } from 'vitest';
import { loadConfig } from '@soc/runtime';
import { CheckedPlatformEnv, describePrincipals, resolveApiTenants } from '../src/index.ts';

const load = (env: Record<string, string>) => loadConfig(CheckedPlatformEnv, env);
const tokens = [
  { name: 'alice', token: 'a'.repeat(20) },
  { name: 'bob', token: 'b'.repeat(20) },
  { name: 'vera', token: 'v'.repeat(20) },
];

describe('SOC_API_TENANTS: the tenants of each API principal (MSSP mode)', () => {
  it('gives every principal SOC_TENANT_ID when unset: the single-tenant default needs nothing', () => {
    expect(Object.fromEntries(resolveApiTenants(load({}), tokens))).toEqual({ alice: ['default'], bob: ['default'], vera: ['default'] });
    expect(Object.fromEntries(resolveApiTenants(load({ SOC_TENANT_ID: 'contoso' }), tokens))).toEqual({ alice: ['contoso'], bob: ['contoso'], vera: ['contoso'] });
  });

  it('grants the tenants named, * for every tenant, and SOC_TENANT_ID to a principal it does not name', () => {
    const tenants = resolveApiTenants(load({ SOC_API_TENANTS: 'alice:fabrikam|contoso, bob:*' }), tokens);
    expect(Object.fromEntries(tenants)).toEqual({ alice: ['contoso', 'fabrikam'], bob: '*', vera: ['default'] });
    expect(describePrincipals({ apiTokens: tokens, apiRoles: new Map(), apiTenants: tenants }).map((p) => [p.name, p.tenants])).toEqual([
      ['alice', ['contoso', 'fabrikam']],
      ['bob', '*'],
      ['vera', ['default']],
    ]);
  });

  it.each([
    ['alice', /entry 1 is not name:tenant/],
    ['alice:', /entry 1 is not name:tenant/],
    ['alice:contoso,alice:fabrikam', /"alice" is named twice/],
    ['ghost:contoso', /"ghost" has no API token/],
    ['alice:contoso|Contoso Ltd', /"Contoso Ltd" is not a tenant id/],
    ['alice:contoso|*', /"\*" is not a tenant id/],
  ])('refuses SOC_API_TENANTS=%s at start-up', (value, message) => {
    expect(() => resolveApiTenants(load({ SOC_API_TENANTS: value }), tokens)).toThrow(message);
  });

  it('refuses a SOC_TENANT_ID that is not a tenant id', () => {
    expect(() => load({ SOC_TENANT_ID: 'contoso|fabrikam' })).toThrow(/SOC_TENANT_ID/);
  });
});
