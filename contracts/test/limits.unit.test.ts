import { describe, expect, it } from 'vitest';
import { Alert, CLIP_MARKER, Fact, MAX_ENTITY_VALUE_LENGTH, boundedId, clipText, jsonBytes } from '../src/index.ts';

describe('boundedId', () => {
  it('cannot be forged: a short value written as the bounded form of a long one gets an id of its own', () => {
    const long = `user:${'a'.repeat(400)}`;
    const bounded = boundedId('history:', long);
    const forged = bounded.slice('history:'.length);
    expect(forged.length + 'history:'.length).toBeLessThanOrEqual(256);
    expect(boundedId('history:', forged)).not.toBe(bounded);
    expect(boundedId('history:', forged)).toMatch(/^history:.*…[0-9a-f]{40}$/);
  });

  it('keeps an id of a short value exactly as it always was (history keyed by it continues)', () => {
    expect(boundedId('history:', 'host:ws01.contoso.com')).toBe('history:host:ws01.contoso.com');
    const atLimit = 'x'.repeat(256 - 'history:'.length);
    expect(boundedId('history:', atLimit)).toBe(`history:${atLimit}`);
  });

  it('bounds the id of a long value: a readable head, then the hash of the whole value; distinct values stay distinct', () => {
    const commandLine = `process:powershell -enc ${'SQBFAFgA'.repeat(500)}`;
    const id = boundedId('history:', commandLine);
    expect(id.length).toBeLessThanOrEqual(256);
    expect(id.startsWith('history:process:powershell -enc SQBFAFgA')).toBe(true);
    expect(id).toMatch(/…[0-9a-f]{40}$/);
    expect(boundedId('history:', commandLine)).toBe(id);
    expect(boundedId('history:', `${commandLine}x`)).not.toBe(id);
    // A fact with it passes the contract (the defect: `history:${entityId}` did not).
    const fact = { id, kind: 'history', source: 'soc-history', observedAt: '2026-01-01T00:00:00Z', statement: 's' };
    expect(Fact.safeParse(fact).success).toBe(true);
  });

  it('never splits a surrogate pair and honours any limit', () => {
    const emoji = '😀'.repeat(3000);
    for (const max of [64, 100, 255, 2100]) {
      const id = boundedId('user:', emoji, max);
      expect(id.length).toBeLessThanOrEqual(max);
      expect(id.isWellFormed()).toBe(true);
    }
  });
});

describe('clipText', () => {
  it('cuts free text with a visible marker and leaves short text alone', () => {
    expect(clipText('short', 10)).toBe('short');
    const cut = clipText('a'.repeat(3000), 2048);
    expect(cut).toHaveLength(2048);
    expect(cut.endsWith(CLIP_MARKER)).toBe(true);
    expect(clipText('😀'.repeat(10), 6).isWellFormed()).toBe(true);
  });
});

describe('indicator limits (ADR 0008)', () => {
  const alert = {
    schemaVersion: 1,
    alertId: 'alt-1',
    tenantId: 't',
    source: { name: 'generic', vendorAlertId: 'v'.repeat(4096) },
    title: 't',
    severity: 'low',
    detectedAt: '2026-01-01T00:00:00Z',
    rule: { id: 'r'.repeat(4096) },
    entities: [{ id: 'url:hashed', type: 'url', value: `https://example.com/${'a'.repeat(MAX_ENTITY_VALUE_LENGTH - 20)}` }],
  };

  it('accepts whole indicator values, vendor ids and rule ids the edge accepts', () => {
    expect(Alert.safeParse(alert).success).toBe(true);
    expect(jsonBytes(alert)).toBeGreaterThan(MAX_ENTITY_VALUE_LENGTH);
  });
});
