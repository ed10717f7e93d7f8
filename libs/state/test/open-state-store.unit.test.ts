import { MemoryStateStore, openStateStore, StateStoreConfig } from '@soc/state';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';

describe('StateStoreConfig', () => {
  it('parses each kind and defaults createIfNotExists to false', () => {
    expect(StateStoreConfig.parse({ kind: 'memory' })).toEqual({ kind: 'memory' });
    expect(StateStoreConfig.parse({ kind: 'sqlite', path: 'data/state.db', indexedFields: ['status'] })).toEqual({
      kind: 'sqlite',
      path: 'data/state.db',
      indexedFields: ['status'],
    });
    expect(
      StateStoreConfig.parse({
        kind: 'cosmos',
        endpoint: 'https://soc.documents.azure.com:443/',
        database: 'soc',
        container: 'state',
      }),
    ).toEqual({
      kind: 'cosmos',
      endpoint: 'https://soc.documents.azure.com:443/',
      database: 'soc',
      container: 'state',
      createIfNotExists: false,
    });
  });

  it('lists every problem and embeds in a service schema', () => {
    const ServiceConfig = z.object({ state: StateStoreConfig });
    const result = ServiceConfig.safeParse({ state: { kind: 'cosmos', endpoint: 'not a url', database: '' } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join('.')).sort()).toEqual([
      'state.container',
      'state.database',
      'state.endpoint',
    ]);
    expect(StateStoreConfig.safeParse({ kind: 'sqlite', path: 'x', indexedFields: ["a') --"] }).success).toBe(false);
    expect(StateStoreConfig.safeParse({ kind: 'redis' }).success).toBe(false);
  });
});

describe('openStateStore', () => {
  it('builds the memory adapter', async () => {
    const store = await openStateStore({ kind: 'memory' });
    expect(store).toBeInstanceOf(MemoryStateStore);
    await store.close();
  });
});
