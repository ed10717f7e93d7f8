import { createServer } from 'node:net';
import type { AddressInfo } from 'node:net';
import { CosmosClient, type Container } from '@azure/cosmos';
import { manualClock, type Clock } from '@soc/runtime';
import { CosmosStateStore, openStateStore } from '@soc/state';
import { describeStateStoreContract, startCosmosTestServer, type CosmosTestServer } from '@soc/state/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// The contract runs against @vercel/cosmosdb-server: a Cosmos DB REST API server in this process, on loopback,
// over HTTPS with a self-signed certificate (trusted by the one agent handed to the client, nowhere else).
// What this run cannot prove about real Cosmos DB is listed in libs/state/README.md ("What the emulator run
// cannot prove").
let server: CosmosTestServer;
let admin: CosmosClient;
let n = 0;

beforeAll(async () => {
  server = await startCosmosTestServer();
  admin = new CosmosClient({ endpoint: server.endpoint, key: server.key, agent: server.agent });
});
afterAll(async () => {
  admin.dispose();
  await server.close();
});

const openFresh = (clock: Clock = manualClock()): Promise<CosmosStateStore> =>
  CosmosStateStore.open({
    endpoint: server.endpoint,
    key: server.key,
    agent: server.agent,
    database: 'soc',
    // A container per test: the contract expects an empty store.
    container: `state-${++n}`,
    createIfNotExists: true,
    clock,
  });

describeStateStoreContract('cosmos (@vercel/cosmosdb-server)', ({ clock }) => openFresh(clock));

describe('CosmosStateStore', () => {
  const raw = (container: string): Container => admin.database('soc').container(container);

  it('stores one logical partition per document, with ttl and expires_at beside the value', async () => {
    const clock = manualClock('2026-03-01T00:00:00.000Z');
    const store = await openFresh(clock);
    const container = `state-${n}`;
    await store.put('cases', 'tenant-a:alert-42', { status: 'open' }, { ttlSeconds: 90.5 });
    await store.put('cases', 'host/with?odd#chars', { status: 'open' });
    const { resources } = await raw(container).items.query('SELECT * FROM c ORDER BY c.key').fetchAll();
    expect(
      resources.map((r) => ({
        id: r.id,
        pk: r.pk,
        collection: r.collection,
        key: r.key,
        data: r.data,
        ttl: r.ttl,
        expires_at: r.expires_at,
      })),
    ).toEqual([
      {
        id: expect.stringMatching(/^~[A-Za-z0-9_-]{43}$/),
        pk: 'cases:host/with?odd#chars',
        collection: 'cases',
        key: 'host/with?odd#chars',
        data: { status: 'open' },
        ttl: -1,
        expires_at: null,
      },
      {
        id: 'tenant-a:alert-42',
        pk: 'cases:tenant-a:alert-42',
        collection: 'cases',
        key: 'tenant-a:alert-42',
        data: { status: 'open' },
        ttl: 91,
        expires_at: Date.parse('2026-03-01T00:01:30.500Z'),
      },
    ]);
    await store.close();
  });

  it('hides an expired item the server has not purged (this server never purges)', async () => {
    const clock = manualClock();
    const store = await openFresh(clock);
    await store.put('dedup', 'd1', 1, { ttlSeconds: 1 });
    clock.advance(1000);
    expect(await store.get('dedup', 'd1')).toBeUndefined();
    const { resources } = await raw(`state-${n}`).items.query('SELECT c.key FROM c').fetchAll();
    expect(resources).toEqual([{ key: 'd1' }]);
    await store.close();
  });

  it('opens through openStateStore from a config', async () => {
    const store = await openStateStore(
      {
        kind: 'cosmos',
        endpoint: server.endpoint,
        key: server.key,
        database: 'soc',
        container: 'from-config',
        createIfNotExists: true,
      },
      { cosmosAgent: server.agent },
    );
    await store.put('cases', 'c1', 1);
    expect((await store.get('cases', 'c1'))?.value).toBe(1);
    await store.close();
  });

  it('fails fast with CONFIGURATION_INVALID when the container is missing or misconfigured', async () => {
    const base = { endpoint: server.endpoint, key: server.key, agent: server.agent, database: 'soc' };
    await expect(CosmosStateStore.open({ ...base, container: 'does-not-exist' })).rejects.toMatchObject({
      code: 'CONFIGURATION_INVALID',
      retryable: false,
    });
    await admin.database('soc').containers.create({ id: 'wrong-pk', partitionKey: { paths: ['/id'] }, defaultTtl: -1 });
    await expect(CosmosStateStore.open({ ...base, container: 'wrong-pk' })).rejects.toMatchObject({
      code: 'CONFIGURATION_INVALID',
      message: expect.stringMatching(/\/pk/),
    });
    await admin.database('soc').containers.create({ id: 'no-ttl', partitionKey: { paths: ['/pk'] } });
    await expect(CosmosStateStore.open({ ...base, container: 'no-ttl' })).rejects.toMatchObject({
      code: 'CONFIGURATION_INVALID',
      message: expect.stringMatching(/TTL/),
    });
  });

  it('reports an unreachable account as retryable DEPENDENCY_UNAVAILABLE', async () => {
    // A port that was free a moment ago: nothing listens there.
    const probe = createServer();
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()));
    const { port } = probe.address() as AddressInfo;
    await new Promise<void>((resolve) => probe.close(() => resolve()));
    await expect(
      CosmosStateStore.open({
        endpoint: `https://127.0.0.1:${port}`,
        key: 'k',
        agent: server.agent,
        database: 'soc',
        container: 'x',
      }),
    ).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
  });
});
