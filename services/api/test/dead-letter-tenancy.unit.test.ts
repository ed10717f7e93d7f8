import { describe, expect, it } from 'vitest';
import { maySeeDeadLetter, tenantOfDeadLetter } from '../src/dead-letter-routes.ts';

describe('tenantOfDeadLetter', () => {
  it("is the body's CloudEvents tenantid", () => {
    expect(tenantOfDeadLetter({ type: 'soc.alert.received.v1', tenantid: 'contoso' })).toBe('contoso');
  });
  it('is undefined for a body that never parsed, names none, or names something that is no tenant id', () => {
    for (const body of [undefined, null, 'text', ['contoso'], {}, { tenantid: 42 }, { tenantid: '' }, { tenantid: '../x' }, { tenantid: 'x'.repeat(200) }]) {
      expect(tenantOfDeadLetter(body)).toBeUndefined();
    }
  });
});

describe('maySeeDeadLetter', () => {
  it('lets a principal see its tenants\' dead letters only', () => {
    expect(maySeeDeadLetter(['contoso'], 'contoso')).toBe(true);
    expect(maySeeDeadLetter(['contoso'], 'fabrikam')).toBe(false);
    expect(maySeeDeadLetter('*', 'fabrikam')).toBe(true);
  });
  it('shows a dead letter without a readable tenant to principals of every tenant only', () => {
    expect(maySeeDeadLetter('*', undefined)).toBe(true);
    expect(maySeeDeadLetter(['contoso'], undefined)).toBe(false);
    expect(maySeeDeadLetter([], undefined)).toBe(false);
  });
});
