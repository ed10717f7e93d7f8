import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { sampleAlert } from '@soc/contracts/testing';
import { MemoryStateStore } from '@soc/state';
import { StateCaseIndex } from '../src/adapters/state-case-index.ts';
import { receivedEvent } from './support/sentinel-alerts.ts';

const TENANTS = ['contoso', 'fabrikam', 'northwind'] as const;
const WORDS = ['beacon', 'spray', 'mimikatz', 'vpn', 'logon'] as const;
const IPS = ['203.0.113.9', '::ffff:203.0.113.9', '198.51.100.7', '2001:db8::1'] as const;
const canonical = (ip: string) => ip.replace(/^::ffff:/, '');

const alertArb = fc.record({
  tenant: fc.constantFrom(...TENANTS),
  words: fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 3 }),
  ip: fc.constantFrom(...IPS),
});

describe('the case index against a model (property)', () => {
  it('search and pivot return exactly the cases of the granted tenants that hold every term or the entity', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(alertArb, { minLength: 1, maxLength: 12 }),
        fc.oneof(fc.constant('*' as const), fc.uniqueArray(fc.constantFrom(...TENANTS), { minLength: 1, maxLength: 2 })),
        fc.uniqueArray(fc.constantFrom(...WORDS), { minLength: 1, maxLength: 2 }),
        fc.constantFrom(...IPS),
        async (alerts, grant, terms, ip) => {
          const index = new StateCaseIndex(new MemoryStateStore(), { receivedAtOf: async () => undefined });
          for (const [i, a] of alerts.entries()) {
            const alert = sampleAlert({
              alertId: `alt-${i}`,
              tenantId: a.tenant,
              title: a.words.join(' '),
              entities: [{ id: `ip:${a.ip}`, type: 'ip', value: a.ip, origin: 'source' }],
            });
            await index.indexEvent(receivedEvent(alert, new Date(Date.UTC(2026, 11, 1, 0, i))));
          }
          const granted = (t: string) => grant === '*' || grant.includes(t as (typeof TENANTS)[number]);
          const newestFirst = (ids: number[]) => ids.sort((x, y) => y - x).map((i) => `alt-${i}`);
          const expectedSearch = newestFirst(alerts.flatMap((a, i) => (granted(a.tenant) && terms.every((t) => a.words.includes(t)) ? [i] : [])));
          const expectedPivot = newestFirst(alerts.flatMap((a, i) => (granted(a.tenant) && canonical(a.ip) === canonical(ip) ? [i] : [])));
          const found = await index.search({ terms, tenants: grant, limit: 100 });
          expect(found.items.map((h) => h.alertId)).toEqual(expectedSearch);
          expect(found.items.every((h) => granted(h.tenantId) && h.matched.join() === 'title')).toBe(true);
          const pivot = await index.casesWithEntity({ type: 'ip', value: ip, tenants: grant, limit: 100 });
          expect(pivot.items.map((h) => h.alertId)).toEqual(expectedPivot);
        },
      ),
      { numRuns: 40 },
    );
  });
});
