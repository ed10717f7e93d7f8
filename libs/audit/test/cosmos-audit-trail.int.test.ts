import { CosmosStateStore } from '@soc/state';
import { startCosmosTestServer, type CosmosTestServer } from '@soc/state/testing';
import { describeAuditTrailContract } from '@soc/audit/testing';
import { afterAll, beforeAll } from 'vitest';

// The same in-process Cosmos DB API server libs/state's contract runs on (see libs/state/README.md for what it
// cannot prove: throttling, real partitions, latency).
let server: CosmosTestServer;
let n = 0;
beforeAll(async () => {
  server = await startCosmosTestServer();
});
afterAll(async () => {
  await server.close();
});

describeAuditTrailContract('cosmos state (@vercel/cosmosdb-server)', ({ clock }) =>
  CosmosStateStore.open({
    endpoint: server.endpoint,
    key: server.key,
    agent: server.agent,
    database: 'soc',
    container: `audit-${++n}`,
    createIfNotExists: true,
    clock,
  }),
);
