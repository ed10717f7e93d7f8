import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { acceptBody } from '../src/handler.ts';
import { PARSERS } from '../src/sources/registry.ts';
import { MAX_NESTING, nestedDeeperThan } from '../src/sources/values.ts';

const FIXTURES = new URL('../../../test/fixtures/alerts/', import.meta.url);
const deepJson = (n: number) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
const ctx = { tenantId: 't1', sender: 'siem', senderName: 'siem', receivedAt: new Date('2026-12-01T00:00:00Z'), receivedVia: 'http' as const, maxBatch: 1000 };

describe('nesting depth', () => {
  it('nestedDeeperThan counts levels iteratively, at any depth', () => {
    expect(nestedDeeperThan(JSON.parse(deepJson(MAX_NESTING - 1)))).toBe(false);
    expect(nestedDeeperThan(JSON.parse(deepJson(MAX_NESTING + 1)))).toBe(true);
    expect(nestedDeeperThan(JSON.parse(deepJson(100_000)))).toBe(true);
    expect(nestedDeeperThan('{"a":{"a":1}}')).toBe(false);
  });

  // JSON text inside a field is decoded by the parsers themselves: the same bound applies to it.
  const firstSentinelRow = JSON.parse(readFileSync(new URL('sentinel/rows.jsonl', FIXTURES), 'utf8').split('\n')[0]!) as Record<string, unknown>;
  const embedded: [keyof typeof PARSERS, unknown][] = [
    ['sentinel', { ...firstSentinelRow, Entities: `[${deepJson(10_000)}]`, ExtendedProperties: deepJson(10_000) }],
    ['wazuh', `${JSON.stringify({ id: '1', timestamp: '2026-12-01T00:00:00.000+0000', rule: { level: 10, id: '1', description: 'x' }, agent: { id: '001', name: 'a' } })}\n${deepJson(10_000)}`],
  ];
  for (const [source, body] of embedded) {
    it(`${source}: deeply nested JSON text inside the body is refused with the reason`, () => {
      const outcome = acceptBody(PARSERS[source], body, ctx);
      expect(outcome.ok).toBe(false);
      expect(outcome.ok ? [] : outcome.errors.map((e) => e.message)).toContainEqual(expect.stringContaining(`nested more than ${MAX_NESTING} levels deep`));
    });
  }
});
