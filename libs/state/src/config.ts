import { z } from 'zod';
import { isSafeFieldName } from './validation.ts';

const FieldName = z.string().refine(isSafeFieldName, { message: 'must match ^[A-Za-z_][A-Za-z0-9_]{0,63}$' });

/** `kind: 'sqlite'`: a local file (all-in-one mode, single host, integration tests). */
export const SqliteStateStoreConfig = z.object({
  kind: z.literal('sqlite'),
  /** File path; `:memory:` for a private throw-away database. */
  path: z.string().min(1),
  busyTimeoutMs: z.number().int().nonnegative().optional(),
  /** Top-level fields to give an expression index (the fields services filter or order by). */
  indexedFields: z.array(FieldName).optional(),
  /** Top-level fields only filtered by equality: a partial index that documents without the field do not maintain. */
  filterFields: z.array(FieldName).optional(),
  purgeIntervalMs: z.number().int().nonnegative().optional(),
  /** Group commit of writes issued in the same event-loop turn (default true). */
  batchWrites: z.boolean().optional(),
});
export type SqliteStateStoreConfig = z.infer<typeof SqliteStateStoreConfig>;

/** `kind: 'memory'`: process-local, lost on exit (unit tests, demos). */
export const MemoryStateStoreConfig = z.object({ kind: z.literal('memory') });
export type MemoryStateStoreConfig = z.infer<typeof MemoryStateStoreConfig>;

/** `kind: 'cosmos'`: Azure Cosmos DB for NoSQL (production). */
export const CosmosStateStoreConfig = z.object({
  kind: z.literal('cosmos'),
  endpoint: z.url({ protocol: /^https?$/ }),
  /** Account key (a secret: never log the config). Absent: DefaultAzureCredential with data-plane RBAC. */
  key: z.string().min(1).optional(),
  database: z.string().min(1).max(255),
  container: z.string().min(1).max(255),
  /** Create database and container when missing; production leaves this off (IaC owns them). */
  createIfNotExists: z.boolean().default(false),
});
export type CosmosStateStoreConfig = z.infer<typeof CosmosStateStoreConfig>;

/**
 * Which state store a service uses; embed it in the service's config schema (e.g. `state: StateStoreConfig`)
 * and pass the parsed value to `openStateStore`.
 */
export const StateStoreConfig = z.discriminatedUnion('kind', [
  SqliteStateStoreConfig,
  MemoryStateStoreConfig,
  CosmosStateStoreConfig,
]);
export type StateStoreConfig = z.infer<typeof StateStoreConfig>;
