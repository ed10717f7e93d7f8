import { Agent } from 'node:https';
import type { AddressInfo } from 'node:net';
import { createHttpsServer } from '@vercel/cosmosdb-server';

/** A running Cosmos DB API server for integration tests. */
export interface CosmosTestServer {
  /** `https://127.0.0.1:<port>` */
  readonly endpoint: string;
  /** Any key works; the server does not check signatures. */
  readonly key: string;
  /**
   * An agent that accepts the server's self-signed certificate. Pass it to the one client under test only;
   * never relax TLS process-wide (`NODE_TLS_REJECT_UNAUTHORIZED`).
   */
  readonly agent: Agent;
  close(): Promise<void>;
}

/**
 * Starts `@vercel/cosmosdb-server` in-process on loopback, on a free port, over HTTPS. It speaks the Cosmos DB
 * REST API well enough for `@azure/cosmos`, but keeps everything in memory and has no TTL, throttling or
 * consistency levels: see libs/state/README.md for what a run against it cannot prove.
 */
export async function startCosmosTestServer(): Promise<CosmosTestServer> {
  const server = createHttpsServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const agent = new Agent({ rejectUnauthorized: false, keepAlive: true });
  return {
    endpoint: `https://127.0.0.1:${port}`,
    key: 'test-key-not-checked',
    agent,
    close: async () => {
      agent.destroy();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
