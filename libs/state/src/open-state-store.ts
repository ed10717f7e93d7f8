import type { Agent } from 'node:http';
import type { Clock } from '@soc/runtime';
import { CosmosStateStore, type CosmosCredential } from './adapters/cosmos-state-store.ts';
import { MemoryStateStore } from './adapters/memory-state-store.ts';
import { SqliteStateStore } from './adapters/sqlite-state-store.ts';
import type { StateStoreConfig } from './config.ts';
import type { StateStore } from './port.ts';

/** Dependencies of {@link openStateStore} that are not configuration. */
export interface OpenStateStoreOptions {
  /** Decides TTL expiry; default the system clock. */
  readonly clock?: Clock;
  /** Cosmos only: credential used when the config has no key; default DefaultAzureCredential. */
  readonly cosmosCredential?: CosmosCredential;
  /** Cosmos only, tests only: HTTP agent trusting a local Cosmos DB API server's self-signed certificate. */
  readonly cosmosAgent?: Agent;
  /** SQLite only: where background purge failures go (e.g. a warn log). */
  readonly onBackgroundError?: (error: Error) => void;
}

/** Builds the configured {@link StateStore}; the composition root's one call to get state. */
export async function openStateStore(
  config: StateStoreConfig,
  options: OpenStateStoreOptions = {},
): Promise<StateStore> {
  const clock = options.clock === undefined ? {} : { clock: options.clock };
  switch (config.kind) {
    case 'memory':
      return new MemoryStateStore(clock);
    case 'sqlite':
      return new SqliteStateStore({
        ...clock,
        path: config.path,
        ...(config.busyTimeoutMs === undefined ? {} : { busyTimeoutMs: config.busyTimeoutMs }),
        ...(config.indexedFields === undefined ? {} : { indexedFields: config.indexedFields }),
        ...(config.filterFields === undefined ? {} : { filterFields: config.filterFields }),
        ...(config.purgeIntervalMs === undefined ? {} : { purgeIntervalMs: config.purgeIntervalMs }),
        ...(config.batchWrites === undefined ? {} : { batchWrites: config.batchWrites }),
        ...(options.onBackgroundError === undefined ? {} : { onBackgroundError: options.onBackgroundError }),
      });
    case 'cosmos':
      return CosmosStateStore.open({
        ...clock,
        endpoint: config.endpoint,
        ...(config.key === undefined ? {} : { key: config.key }),
        ...(options.cosmosCredential === undefined ? {} : { credential: options.cosmosCredential }),
        ...(options.cosmosAgent === undefined ? {} : { agent: options.cosmosAgent }),
        database: config.database,
        container: config.container,
        createIfNotExists: config.createIfNotExists,
      });
  }
}
