import { describe, expect, it } from 'vitest';
import {
  buildCosmosQuery,
  itemIdFor,
  liveCondition,
  partitionKeyFor,
  toStoredItem,
} from '../src/adapters/cosmos-items.ts';
import { resolveQuery } from '../src/validation.ts';

// Internal module test: item layout and query text of the Cosmos adapter.
describe('itemIdFor', () => {
  it('keeps URL-plain ids readable', () => {
    for (const id of ['c1', 'tenant-a:alert-42', 'alice@corp.example', 'a.b_c=d~e', 'x'.repeat(255)])
      expect(itemIdFor(id)).toBe(id);
  });

  it('hashes ids Cosmos or URLs cannot carry, into a form no readable id can take', () => {
    for (const id of [
      'a/b',
      'a\\b',
      'a?b',
      'a#b',
      '.',
      '..',
      'trail.',
      'with space',
      'a+b',
      'ü',
      '~x',
      'x'.repeat(256),
      '%2F',
    ]) {
      expect(itemIdFor(id)).toMatch(/^~[A-Za-z0-9_-]{43}$/);
    }
    expect(itemIdFor('a/b')).not.toBe(itemIdFor('a\\b'));
    expect(itemIdFor('a/b')).toBe(itemIdFor('a/b'));
  });
});

describe('toStoredItem', () => {
  it('partitions per document and rounds the server TTL up so it never purges before expires_at', () => {
    expect(toStoredItem('cases', 'c1', { a: 1 }, 10_001, 0)).toEqual({
      id: 'c1',
      pk: 'cases:c1',
      collection: 'cases',
      key: 'c1',
      data: { a: 1 },
      expires_at: 10_001,
      ttl: 11,
    });
    expect(toStoredItem('cases', 'c1', null, null, 0).ttl).toBe(-1);
    expect(partitionKeyFor('cases', 'a:b')).toBe('cases:a:b');
  });
});

describe('buildCosmosQuery', () => {
  it('binds every value as a parameter and orders by id by default', () => {
    const spec = buildCosmosQuery('cases', resolveQuery({ where: { status: "o'pen", severity: 3, flag: true } }), 1234);
    expect(spec.query).toBe(
      'SELECT TOP @limit c.key, c.data, c._etag FROM c WHERE c.collection = @collection AND (IS_NULL(c.expires_at) OR c.expires_at > @now)' +
        ' AND c.data["status"] = @w0 AND c.data["severity"] = @w1 AND c.data["flag"] = @w2 ORDER BY c.key ASC',
    );
    expect(spec.parameters).toEqual([
      { name: '@limit', value: 100 },
      { name: '@collection', value: 'cases' },
      { name: '@now', value: 1234 },
      { name: '@w0', value: "o'pen" },
      { name: '@w1', value: 3 },
      { name: '@w2', value: true },
    ]);
  });

  it('orders by a data field', () => {
    const spec = buildCosmosQuery(
      'cases',
      resolveQuery({ orderBy: { field: 'value', direction: 'desc' }, limit: 5 }),
      0,
    );
    expect(spec.query).toMatch(/ ORDER BY c\.data\["value"\] DESC$/);
    expect(spec.parameters?.[0]).toEqual({ name: '@limit', value: 5 });
  });

  it('refuses field names that could escape the accessor (validation runs first)', () => {
    expect(() => resolveQuery({ where: { 'a"] OR 1=1 --': 1 } })).toThrow(
      expect.objectContaining({ code: 'VALIDATION_FAILED' }),
    );
  });
});

describe('liveCondition', () => {
  it('only ever interpolates a safe integer', () => {
    expect(liveCondition(1_700_000_000_000)).toBe('FROM c WHERE IS_NULL(c.expires_at) OR c.expires_at > 1700000000000');
    expect(() => liveCondition(1.5)).toThrow(TypeError);
  });
});
