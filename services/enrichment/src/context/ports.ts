import type { Alert, Entity, EntityType } from '@soc/contracts';

/** How much an asset matters to the business, lowest first. */
export const CRITICALITIES = ['low', 'medium', 'high', 'critical'] as const;
export type Criticality = (typeof CRITICALITIES)[number];

/** A user's risk level as Entra ID Protection states it (`hidden` and unreadable risk are `unknown`). */
export const USER_RISK_LEVELS = ['none', 'low', 'medium', 'high', 'unknown'] as const;
export type UserRiskLevel = (typeof USER_RISK_LEVELS)[number];

/** Where a record came from: the source, when it answered, whether a cache answered instead, and where to look. */
export interface ContextProvenance {
  /** `assets:<file>`, `servicenow`, `users:<file>`, `graph`, `allowlist:<file>`. */
  source: string;
  fetchedAt: string;
  cacheHit: boolean;
  /** `<file>:<line>`, a CMDB record link, a Graph object id. */
  reference: string;
}

/** A canonical lookup key: `type:value`, the value normalised as alert entities are (lower case, canonical IP). */
export interface LookupKey<T extends string> {
  type: T;
  value: string;
  key: string;
}

export type AssetKey = LookupKey<'host' | 'ip'>;
/** `upn` and `objectId` identify an Entra ID user; `account` is a SAM account name (the part after `DOMAIN\`). */
export type UserKey = LookupKey<'upn' | 'objectId' | 'account'>;

/** What an inventory or CMDB knows about a machine. */
export interface AssetRecord {
  hostname?: string;
  fqdn?: string;
  ips: string[];
  criticality?: Criticality;
  owner?: string;
  location?: string;
  /** Lower-case tags such as `domain controller` or `never auto-isolate`. */
  tags: string[];
  provenance: ContextProvenance;
}

/** What a directory knows about a person or service account. */
export interface UserRecord {
  upn?: string;
  objectId?: string;
  account?: string;
  displayName?: string;
  department?: string;
  /** The job title (Entra ID `jobTitle`), the closest thing to a role the directory has. */
  jobTitle?: string;
  manager?: string;
  accountEnabled?: boolean;
  /** Member of a privileged group or holding a privileged directory role. */
  privileged: boolean;
  /** The privileged groups and directory roles that make the account privileged. */
  privilegedGroups: string[];
  riskLevel?: UserRiskLevel;
  riskState?: string;
  provenance: ContextProvenance;
}

/** One record a key found. */
export interface AssetMatch {
  key: string;
  asset: AssetRecord;
}
export interface UserMatch {
  key: string;
  user: UserRecord;
}

/** A batch lookup by canonical keys; no match for a key means the source does not know it. */
export interface KeyedLookup<K extends { key: string }, M extends { key: string }> {
  /** Listed under `enrichment.missing` when the lookup fails. */
  readonly name: string;
  lookup(keys: readonly K[]): Promise<M[]>;
}

/** Machines by host name, FQDN or address: criticality, owner, location, tags. */
export type AssetDirectory = KeyedLookup<AssetKey, AssetMatch>;
/** People by UPN, object id or account: department, role, privileged groups, risk, manager. */
export type UserDirectory = KeyedLookup<UserKey, UserMatch>;

/** An allowlist entry: what it matches, why, until when, and who asked for it. */
export interface AllowlistEntry {
  id: string;
  entityType: EntityType;
  /** Canonical value to match; for IPs either this or `cidr`. */
  value?: string;
  cidr?: string;
  /** Only alerts of this rule (its id, name or title, case-insensitive) are matched. */
  rule?: string;
  reason: string;
  expiresAt: string;
  owner?: string;
}

/** An alert entity an unexpired entry covers. */
export interface AllowlistMatch {
  entityId: string;
  entry: AllowlistEntry;
  provenance: ContextProvenance;
}

/** Known-benign activity (scanner IPs, backup jobs, admin tools) with a reason and an expiry. */
export interface Allowlist {
  readonly name: string;
  match(entities: readonly Entity[], alert: Alert): Promise<AllowlistMatch[]>;
}
