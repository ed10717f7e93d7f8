export type { PutOptions, Query, StateStore, Versioned } from './port.ts';
export { MemoryStateStore } from './adapters/memory-state-store.ts';
export type { MemoryStateStoreOptions } from './adapters/memory-state-store.ts';
export { SqliteStateStore } from './adapters/sqlite-state-store.ts';
export type { SqliteStateStoreOptions } from './adapters/sqlite-state-store.ts';
export { CosmosStateStore } from './adapters/cosmos-state-store.ts';
export type {
  CosmosCredential,
  CosmosStateStoreOptions,
  CosmosStateStoreWiring,
} from './adapters/cosmos-state-store.ts';
export { updateWithRetry } from './update-with-retry.ts';
export type { Updater, UpdateWithRetryOptions } from './update-with-retry.ts';
export { openStateStore } from './open-state-store.ts';
export type { OpenStateStoreOptions } from './open-state-store.ts';
export { CosmosStateStoreConfig, MemoryStateStoreConfig, SqliteStateStoreConfig, StateStoreConfig } from './config.ts';
export { DEFAULT_QUERY_LIMIT, MAX_ID_LENGTH, MAX_QUERY_LIMIT, MAX_TTL_SECONDS, isSafeFieldName } from './validation.ts';
export { StateClaimLedger, claimOnce } from './claim-ledger.ts';
export type { Claim, ClaimLedger, ClaimOnceHooks, StateClaimLedgerOptions } from './claim-ledger.ts';
