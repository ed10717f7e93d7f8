import type { Agent } from 'node:http';
// Types only at load time: the SDKs are imported in `open`, so services on SQLite or memory never pay their ~0.5 s
// start-up cost just for importing @soc/state.
import type { Container, CosmosClient, CosmosClientOptions, PatchRequestBody } from '@azure/cosmos';
import { AppError, ErrorCode, systemClock, type Clock } from '@soc/runtime';
import { conflict, preconditionFailed } from '../errors.ts';
import type { PutOptions, Query, StateStore, Versioned } from '../port.ts';
import {
  assertCollection,
  assertId,
  assertIdempotencyKey,
  assertTtl,
  expiryOf,
  resolvePutOptions,
  resolveQuery,
  serialise,
} from '../validation.ts';
import { cosmosStatusOf, translateCosmosError } from './cosmos-errors.ts';
import {
  IDEMPOTENCY_COLLECTION,
  buildCosmosQuery,
  isExpired,
  itemIdFor,
  liveCondition,
  partitionKeyFor,
  toStoredItem,
  ttlSecondsOf,
  type StoredItem,
} from './cosmos-items.ts';

/** The Azure AD credential type the Cosmos client accepts (`@azure/core-auth`'s TokenCredential). */
export type CosmosCredential = NonNullable<CosmosClientOptions['aadCredentials']>;

/** Options of {@link CosmosStateStore.open}. */
export interface CosmosStateStoreOptions {
  /** Account endpoint, e.g. `https://soc-prod.documents.azure.com:443/`. */
  readonly endpoint: string;
  /** Account key. Leave it out in Azure: the store then authenticates with data-plane RBAC. */
  readonly key?: string;
  /** Used when there is no key; default `new DefaultAzureCredential()` (managed identity, workload identity, CLI). */
  readonly credential?: CosmosCredential;
  readonly database: string;
  readonly container: string;
  /**
   * Create the database and container (partition key `/pk`, default TTL -1) when missing. Off in production,
   * where IaC owns them and the RBAC data-plane roles cannot create resources anyway.
   */
  readonly createIfNotExists?: boolean;
  /** Decides TTL expiry on read; tests pass `manualClock()`. */
  readonly clock?: Clock;
  /**
   * HTTP agent for the client. A test seam: integration tests pass one that trusts the local Cosmos DB API
   * server's self-signed certificate. Never needed against Azure.
   */
  readonly agent?: Agent;
}

/** Options of the {@link CosmosStateStore} constructor. */
export interface CosmosStateStoreWiring {
  readonly clock?: Clock;
  /** Disposed by {@link CosmosStateStore.close} when given (the store owns the client it was opened with). */
  readonly client?: CosmosClient;
}

/** Bounded loops for the rare races (a create meeting a purge, a delete meeting a write); each pass is one RTT. */
const MAX_RACE_PASSES = 5;

/**
 * The {@link StateStore} on Azure Cosmos DB (NoSQL API): one container shared by all collections.
 *
 * Partitioning: `pk = "${collection}:${id}"`, so every document is its own logical partition. Point reads and
 * writes (the hot path: dedup, throttle and case updates) hit exactly one partition, writes spread evenly, and
 * no collection can outgrow the 20 GB logical-partition cap. `query` is therefore cross-partition (filtered on
 * `c.collection`), which suits its role here: small, occasional listings, not the hot path.
 *
 * TTL: each item carries `ttl` (seconds, -1 for never; the container needs `defaultTtl: -1`) so the server
 * purges, and `expires_at` (epoch ms), which every read, query and conditional write checks against the
 * store's clock, so expiry is exact and identical to the SQLite adapter even though the server purges lazily.
 *
 * Concurrency: `_etag` is the etag; `ifMatch` writes are conditional patches (`IfMatch` plus a "still live"
 * predicate), so an expired-but-unpurged document can never be resurrected by a stale writer.
 */
export class CosmosStateStore implements StateStore {
  readonly #container: Container;
  readonly #clock: Clock;
  readonly #client: CosmosClient | undefined;

  /** Wraps an existing container handle; prefer {@link CosmosStateStore.open}, which also checks its settings. */
  constructor(container: Container, wiring: CosmosStateStoreWiring = {}) {
    this.#container = container;
    this.#clock = wiring.clock ?? systemClock;
    this.#client = wiring.client;
  }

  /**
   * Connects, optionally creates the database and container, and fails fast (CONFIGURATION_INVALID) if the
   * container is missing, is not partitioned on `/pk`, or has TTL switched off.
   */
  static async open(options: CosmosStateStoreOptions): Promise<CosmosStateStore> {
    const { CosmosClient } = await import('@azure/cosmos');
    const hasKey = options.key !== undefined && options.key !== '';
    const client = new CosmosClient({
      endpoint: options.endpoint,
      ...(hasKey ? { key: options.key } : { aadCredentials: options.credential ?? (await defaultCredential()) }),
      ...(options.agent === undefined ? {} : { agent: options.agent }),
      userAgentSuffix: 'soc-copilot-state',
    });
    try {
      let container: Container;
      if (options.createIfNotExists === true) {
        const { database } = await client.databases.createIfNotExists({ id: options.database });
        ({ container } = await database.containers.createIfNotExists({
          id: options.container,
          // Version 2 hashes the whole key; version 1 only its first 100 bytes, and ours embed caller ids.
          partitionKey: { paths: ['/pk'], version: 2 },
          defaultTtl: -1,
        }));
      } else {
        container = client.database(options.database).container(options.container);
      }
      await verifyContainer(container, options);
      return new CosmosStateStore(container, {
        client,
        ...(options.clock === undefined ? {} : { clock: options.clock }),
      });
    } catch (error) {
      client.dispose();
      throw translateCosmosError(error, 'open');
    }
  }

  async get<T>(collection: string, id: string): Promise<Versioned<T> | undefined> {
    assertCollection(collection);
    assertId(id);
    try {
      const item = await this.#read(collection, id);
      return item === undefined || isExpired(item, this.#now())
        ? undefined
        : { id, value: item.data as T, etag: item._etag };
    } catch (error) {
      throw translateCosmosError(error, 'get');
    }
  }

  async put<T>(collection: string, id: string, value: T, options?: PutOptions): Promise<string> {
    assertCollection(collection);
    assertId(id);
    const now = this.#now();
    const expiresAt = resolvePutOptions(options, now);
    // Through JSON first, so Cosmos stores exactly what SQLite and Memory would (and rejects what they reject).
    const data: unknown = JSON.parse(serialise(value));
    const item = toStoredItem(collection, id, data, expiresAt, now);
    try {
      if (options?.ifMatch !== undefined) return await this.#patchIfLive(collection, id, item, options.ifMatch, now);
      if (options?.ifNoneMatch === '*') return await this.#create(collection, id, item, now);
      return etagOf(await this.#container.items.upsert(item));
    } catch (error) {
      throw translateCosmosError(error, 'put');
    }
  }

  async delete(collection: string, id: string, options?: Pick<PutOptions, 'ifMatch'>): Promise<boolean> {
    assertCollection(collection);
    assertId(id);
    try {
      // Read first: Cosmos deletes cannot carry a "still live" predicate, and an expired document must report
      // false (it did not exist for the caller) exactly as in SQLite.
      for (let pass = 0; pass < MAX_RACE_PASSES; pass++) {
        const current = await this.#read(collection, id);
        if (current === undefined) return false;
        const expired = isExpired(current, this.#now());
        if (!expired && options?.ifMatch !== undefined && current._etag !== options.ifMatch)
          throw preconditionFailed(collection, id);
        const outcome = await this.#deleteIfMatch(current, current._etag);
        if (expired) return false;
        if (outcome === 'deleted') return true;
        if (outcome === 'gone') return false;
        if (options?.ifMatch !== undefined) throw preconditionFailed(collection, id);
        // Changed between our read and delete, and the caller did not pin a version: read again.
      }
      throw preconditionFailed(collection, id);
    } catch (error) {
      throw translateCosmosError(error, 'delete');
    }
  }

  async query<T>(collection: string, query?: Query): Promise<readonly Versioned<T>[]> {
    assertCollection(collection);
    const q = resolveQuery(query);
    try {
      const { resources } = await this.#container.items
        .query<Pick<StoredItem, 'key' | 'data'> & { _etag: string }>(buildCosmosQuery(collection, q, this.#now()), {
          maxItemCount: q.limit,
        })
        .fetchAll();
      return resources.slice(0, q.limit).map((r) => ({ id: r.key, value: r.data as T, etag: r._etag }));
    } catch (error) {
      throw translateCosmosError(error, 'query');
    }
  }

  async claimIdempotencyKey(key: string, ttlSeconds: number): Promise<boolean> {
    assertIdempotencyKey(key);
    assertTtl(ttlSeconds);
    const now = this.#now();
    const item = toStoredItem(IDEMPOTENCY_COLLECTION, key, null, expiryOf(now, ttlSeconds), now);
    try {
      await this.#create(IDEMPOTENCY_COLLECTION, key, item, now);
      return true;
    } catch (error) {
      const translated = translateCosmosError(error, 'claimIdempotencyKey');
      if (translated.code === ErrorCode.CONFLICT) return false;
      throw translated;
    }
  }

  async close(): Promise<void> {
    this.#client?.dispose();
  }

  #now(): number {
    return this.#clock.now().getTime();
  }

  /** Point read; undefined when absent (the SDK resolves a 404 on read instead of throwing). */
  async #read(collection: string, id: string): Promise<(StoredItem & { _etag: string }) | undefined> {
    const response = await this.#container.item(itemIdFor(id), partitionKeyFor(collection, id)).read<StoredItem>();
    if (response.statusCode === 404 || response.resource === undefined) return undefined;
    return response.resource;
  }

  /**
   * Create-only write. A 409 is only a conflict if the existing document is live: an expired one the server
   * has not purged yet is replaced, pinned to its etag so a concurrent writer cannot be overwritten.
   */
  async #create(collection: string, id: string, item: StoredItem, now: number): Promise<string> {
    for (let pass = 0; pass < MAX_RACE_PASSES; pass++) {
      try {
        return etagOf(await this.#container.items.create(item));
      } catch (error) {
        if (cosmosStatusOf(error) !== 409) throw error;
      }
      const existing = await this.#read(collection, id);
      if (existing === undefined) continue; // purged between the two calls: create again
      if (!isExpired(existing, now)) throw conflict(collection, id);
      try {
        return etagOf(
          await this.#container.item(item.id, item.pk).replace(item, {
            accessCondition: { type: 'IfMatch', condition: existing._etag },
          }),
        );
      } catch (error) {
        const status = cosmosStatusOf(error);
        // Someone else replaced or removed the expired document first; look again.
        if (status !== 412 && status !== 404) throw error;
      }
    }
    throw conflict(collection, id);
  }

  /** `ifMatch` write as one conditional patch: the etag must match and the document must still be live. */
  async #patchIfLive(collection: string, id: string, item: StoredItem, ifMatch: string, now: number): Promise<string> {
    const body: PatchRequestBody = {
      condition: liveCondition(now),
      operations: [
        { op: 'set', path: '/data', value: item.data },
        { op: 'set', path: '/expires_at', value: item.expires_at },
        { op: 'set', path: '/ttl', value: ttlSecondsOf(item.expires_at, now) },
      ],
    };
    try {
      return etagOf(
        await this.#container.item(item.id, item.pk).patch(body, {
          accessCondition: { type: 'IfMatch', condition: ifMatch },
        }),
      );
    } catch (error) {
      const status = cosmosStatusOf(error);
      if (status === 412 || status === 404) throw preconditionFailed(collection, id, error);
      throw error;
    }
  }

  async #deleteIfMatch(item: StoredItem, etag: string): Promise<'deleted' | 'gone' | 'changed'> {
    try {
      await this.#container.item(item.id, item.pk).delete({ accessCondition: { type: 'IfMatch', condition: etag } });
      return 'deleted';
    } catch (error) {
      const status = cosmosStatusOf(error);
      if (status === 404) return 'gone';
      if (status === 412) return 'changed';
      throw error;
    }
  }
}

async function defaultCredential(): Promise<CosmosCredential> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  return new DefaultAzureCredential();
}

function etagOf(response: {
  readonly etag: string | undefined;
  readonly resource?: { readonly _etag?: string } | undefined;
}): string {
  // The etag header is authoritative; the body's _etag is a fallback for servers that omit the header.
  const etag = response.etag ?? response.resource?._etag;
  if (etag === undefined)
    throw new AppError(ErrorCode.INTERNAL, 'Cosmos DB returned no etag for a write', { retryable: false });
  return etag;
}

async function verifyContainer(container: Container, options: CosmosStateStoreOptions): Promise<void> {
  const where = `${options.database}/${options.container}`;
  const invalid = (message: string): AppError =>
    new AppError(ErrorCode.CONFIGURATION_INVALID, `Cosmos DB container ${where}: ${message}`, { retryable: false });
  let definition;
  try {
    ({ resource: definition } = await container.read());
  } catch (error) {
    if (cosmosStatusOf(error) === 404) throw invalid('not found (create it with IaC, or set createIfNotExists)');
    throw error;
  }
  if (definition === undefined) throw invalid('not found (create it with IaC, or set createIfNotExists)');
  const paths = definition.partitionKey?.paths ?? [];
  if (paths.length !== 1 || paths[0] !== '/pk')
    throw invalid(`partition key must be /pk, found ${paths.join(',') || 'none'}`);
  // Without a default TTL the server ignores per-item `ttl`: expired documents would read as absent but pile up.
  if (definition.defaultTtl === undefined || definition.defaultTtl === null)
    throw invalid('TTL must be on (set defaultTtl to -1)');
}
