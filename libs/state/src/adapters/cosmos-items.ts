import { createHash } from 'node:crypto';
import type { SqlParameter, SqlQuerySpec } from '@azure/cosmos';
import type { ResolvedQuery } from '../validation.ts';

/**
 * The shape of every item in the state container. Property names are lower-case on purpose: the Cosmos DB API
 * server used in tests lower-cases conditional-patch predicates, and `expires_at` survives that unchanged.
 */
export interface StoredItem {
  /** {@link itemIdFor} of the document id: unique within its partition, safe in a Cosmos resource URL. */
  readonly id: string;
  /** Partition key `${collection}:${id}`: one logical partition per document. */
  readonly pk: string;
  readonly collection: string;
  /** The caller's document id, unencoded; default ordering and debugging use it. */
  readonly key: string;
  readonly data: unknown;
  /** Epoch milliseconds after which the document reads as absent; null for never. */
  readonly expires_at: number | null;
  /** Cosmos per-item TTL in seconds (-1: never), so the server purges what `expires_at` already hides. */
  readonly ttl: number;
}

/** The reserved collection that holds idempotency keys; user collections must start with a letter. */
export const IDEMPOTENCY_COLLECTION = '$idempotency';

// Ids made of URL-plain characters go into the item id as they are (readable in the portal: `tenant-a:alert-42`,
// `alice@corp.example`). Everything else is hashed: `/ \\ ? #`, which Cosmos rejects or mis-routes; `.` and `..`
// or a trailing dot, which URL normalisation eats; `+ ; ,` and whitespace, which some HTTP stacks rewrite;
// non-ASCII; ids over 255 characters. A readable id never starts with `~`, so the two forms cannot collide.
const READABLE_ID = /^[A-Za-z0-9_](?:[A-Za-z0-9_.:@=~-]{0,253}[A-Za-z0-9_])?$/;

/** The Cosmos item id for a document id (the original is kept in {@link StoredItem.key}). */
export function itemIdFor(id: string): string {
  return READABLE_ID.test(id) ? id : `~${createHash('sha256').update(id, 'utf8').digest('base64url')}`;
}

/** The partition key value of a document. */
export function partitionKeyFor(collection: string, id: string): string {
  return `${collection}:${id}`;
}

/** Builds the item for a write; `ttl` rounds up so the server never purges before `expires_at` hides it. */
export function toStoredItem(
  collection: string,
  id: string,
  data: unknown,
  expiresAt: number | null,
  nowMs: number,
): StoredItem {
  return {
    id: itemIdFor(id),
    pk: partitionKeyFor(collection, id),
    collection,
    key: id,
    data,
    expires_at: expiresAt,
    ttl: ttlSecondsOf(expiresAt, nowMs),
  };
}

/** Cosmos per-item `ttl` for an expiry: whole seconds, at least 1, -1 for never. */
export function ttlSecondsOf(expiresAt: number | null, nowMs: number): number {
  return expiresAt === null ? -1 : Math.max(1, Math.ceil((expiresAt - nowMs) / 1000));
}

/** True once the store's clock has reached the item's `expires_at`. */
export function isExpired(item: Pick<StoredItem, 'expires_at'>, nowMs: number): boolean {
  return item.expires_at !== null && item.expires_at !== undefined && item.expires_at <= nowMs;
}

/**
 * The conditional-patch predicate "still live at `nowMs`". Patch conditions take no parameters, so the only
 * interpolated value is an integer this module computed, never caller input.
 */
export function liveCondition(nowMs: number): string {
  if (!Number.isSafeInteger(nowMs)) throw new TypeError('nowMs must be a safe integer');
  return `FROM c WHERE IS_NULL(c.expires_at) OR c.expires_at > ${nowMs}`;
}

/**
 * A parameterised query over one collection. Values are always `@parameters`; field names are validated
 * identifiers and go in as bracketed string literals (`c.data["status"]`), which also keeps Cosmos SQL keywords
 * (`value`, `order` …) usable as field names. Without `orderBy` results come in id order, like SQLite's.
 */
export function buildCosmosQuery(collection: string, q: ResolvedQuery, nowMs: number): SqlQuerySpec {
  const parameters: SqlParameter[] = [
    { name: '@limit', value: q.limit },
    { name: '@collection', value: collection },
    { name: '@now', value: nowMs },
  ];
  let query =
    'SELECT TOP @limit c.key, c.data, c._etag FROM c WHERE c.collection = @collection AND (IS_NULL(c.expires_at) OR c.expires_at > @now)';
  q.where.forEach(([field, value], i) => {
    query += ` AND c.data["${field}"] = @w${i}`;
    parameters.push({ name: `@w${i}`, value });
  });
  query +=
    q.orderBy === undefined
      ? ' ORDER BY c.key ASC'
      : ` ORDER BY c.data["${q.orderBy.field}"] ${q.orderBy.direction === 'asc' ? 'ASC' : 'DESC'}`;
  return { query, parameters };
}
