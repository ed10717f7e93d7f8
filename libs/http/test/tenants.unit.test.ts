import { describe, expect, it } from 'vitest';
import { isTenantId, mayAccess } from '../src/index.ts';

describe('tenants', () => {
  it('mayAccess: a grant of named tenants sees exactly those; * sees every tenant; none sees nothing', () => {
    expect(mayAccess(['contoso', 'fabrikam'], 'contoso')).toBe(true);
    expect(mayAccess(['contoso', 'fabrikam'], 'northwind')).toBe(false);
    expect(mayAccess(['contoso'], 'Contoso')).toBe(false);
    expect(mayAccess('*', 'northwind')).toBe(true);
    expect(mayAccess([], 'default')).toBe(false);
  });

  it('isTenantId: 1-64 letters, digits, . _ -, never a separator of the configuration that names tenants', () => {
    for (const ok of ['default', 'contoso', 'Fabrikam-EU', 'tenant_1.prod', '00000000-0000-0000-0000-00000000000a', 'a'.repeat(64)]) expect(isTenantId(ok)).toBe(true);
    for (const bad of ['', '*', 'a|b', 'a,b', 'a:b', 'a b', '-x', '.x', 'a'.repeat(65), 'ten\u0430nt']) expect(isTenantId(bad)).toBe(false);
  });
});
