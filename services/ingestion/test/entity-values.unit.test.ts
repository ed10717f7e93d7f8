import { describe, expect, it } from 'vitest';
import { parseInternalNetworks } from '@soc/guardrails';
import { acceptBody } from '../src/handler.ts';
import { genericParser } from '../src/sources/generic.ts';

/**
 * Entity values the sender controls (issue 11, scenario 2), at the edge: a value is kept only under a type it is
 * valid for, and `isInternal` is the configured ranges' answer, never the sender's.
 */
const ctx = { tenantId: 'contoso', sender: 'siem', senderName: 'siem', receivedAt: new Date('2026-11-23T10:00:00Z'), receivedVia: 'http' as const, maxBatch: 10 };
const alertOf = (entities: unknown[], extra: Partial<Parameters<typeof acceptBody>[2]> = {}) => {
  const outcome = acceptBody(genericParser, { id: 'hostile-1', title: 'Hostile', severity: 'critical', entities }, { ...ctx, ...extra });
  if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors));
  return outcome.events[0]!.data.alert;
};

describe('entity values at ingestion', () => {
  it("isInternal is computed from the internal ranges, overriding the sender's flag either way", () => {
    const alert = alertOf([
      { type: 'ip', value: '10.0.1.77', isInternal: false },
      { type: 'ip', value: '100.64.1.2', isInternal: false },
      { type: 'ip', value: '185.220.101.4', isInternal: true },
      { type: 'ip', value: 'fd00::1', isInternal: false },
    ]);
    expect(alert.entities.map((e) => [e.value, e.type === 'ip' && e.isInternal])).toEqual([
      ['10.0.1.77', true],
      ['100.64.1.2', true],
      ['185.220.101.4', false],
      ['fd00::1', true],
    ]);
  });

  it('the configured ranges (SOC_INTERNAL_NETWORKS) decide', () => {
    const parsed = parseInternalNetworks('+203.0.113.0/24');
    if (!parsed.ok) throw new Error(parsed.errors.join());
    const alert = alertOf([{ type: 'ip', value: '203.0.113.9', isInternal: false }], { internalNetworks: parsed.set });
    expect(alert.entities).toMatchObject([{ value: '203.0.113.9', isInternal: true }]);
  });

  it('a value invalid for its type is left out, and the alert says how many of which type', () => {
    const alert = alertOf([
      { type: 'ip', value: 'not an ip' },
      { type: 'ip', value: '185.220.101.4' },
      { type: 'url', value: 'javascript:alert(1)' },
      { type: 'url', value: 'https://evil.example/a' },
      { type: 'domain', value: 'not a domain' },
      { type: 'domain', value: 'evil.example' },
      { type: 'hash', value: 'xyz', algorithm: 'sha256' },
      { type: 'hash', value: 'd41d8cd98f00b204e9800998ecf8427e', algorithm: 'sha256' },
      { type: 'user', value: 'jane@' },
      { type: 'user', value: 'administrator@contoso' },
      { type: 'user', value: 'CONTOSO\\jane' },
    ]);
    expect(alert.entities.map((e) => e.id)).toEqual(['ip:185.220.101.4', 'url:https://evil.example/a', 'domain:evil.example', 'user:administrator@contoso', 'user:contoso\\jane']);
    expect(alert.labels).toEqual(['soc:entity-values-invalid:ip=1,url=1,domain=1,hash=2,user=1']);
  });
});
