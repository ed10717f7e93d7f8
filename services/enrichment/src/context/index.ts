export type {
  Allowlist,
  AllowlistEntry,
  AllowlistMatch,
  AssetDirectory,
  AssetKey,
  AssetMatch,
  AssetRecord,
  ContextProvenance,
  Criticality,
  KeyedLookup,
  LookupKey,
  UserDirectory,
  UserKey,
  UserMatch,
  UserRecord,
  UserRiskLevel,
} from './ports.ts';
export { CRITICALITIES, USER_RISK_LEVELS } from './ports.ts';
export { accountKey, assetKeysOf, hostKey, ipKey, objectIdKey, upnKey, userKeysOf } from './keys.ts';
export type { EntityKeys } from './keys.ts';
export { CachingLookup, withLookupBreaker } from './resilience.ts';
export type { CachingLookupOptions } from './resilience.ts';
export { FileAssetDirectory, assetFromRow, criticalityOf } from './file-assets.ts';
export type { InventoryFileReport } from './file-assets.ts';
export { ServiceNowAssetDirectory, assetFromCi } from './servicenow-assets.ts';
export type { ServiceNowAssetDirectoryOptions, ServiceNowAuth } from './servicenow-assets.ts';
export { FileUserDirectory, userFromRow } from './file-users.ts';
export { DEFAULT_PRIVILEGED_GROUPS, GraphUserDirectory, PRIVILEGED_ROLE_TEMPLATES } from './graph-users.ts';
export type { GraphUserDirectoryOptions, TokenProvider } from './graph-users.ts';
export { FileAllowlist } from './file-allowlist.ts';
export type { AllowlistFileReport } from './file-allowlist.ts';
export { allowlistFact, assetFact, userFact } from './facts.ts';
export { lookUpContext } from './lookup.ts';
export type { ContextSources } from './lookup.ts';
export { markAssetHit, markUserHit } from './resilience.ts';
