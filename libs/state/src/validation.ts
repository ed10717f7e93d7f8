import type { PutOptions, Query } from './port.ts';
import { invalidArgument } from './errors.ts';

/** Page size of {@link Query} when none is given. */
export const DEFAULT_QUERY_LIMIT = 100;
/** Largest page size a {@link Query} may ask for. */
export const MAX_QUERY_LIMIT = 1000;
/** Longest document id (UTF-16 code units); keeps Cosmos partition key values far below their 2 KB cap. */
export const MAX_ID_LENGTH = 512;
/** Longest TTL: Cosmos stores `ttl` as a signed 32-bit number of seconds. */
export const MAX_TTL_SECONDS = 2_147_483_647;

// Collection and field names end up inside SQL text (SQLite json paths, Cosmos property accessors) because
// indexes only match literal paths; this pattern is what makes that interpolation safe.
const NAME = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const COLLECTION = /^[A-Za-z][A-Za-z0-9_.-]{0,63}$/;

/** True for names that may be used as a query field (`where`, `orderBy`) or an indexed field. */
export function isSafeFieldName(name: string): boolean {
  return NAME.test(name);
}

/** Collection names: a letter, then letters, digits, `_ . -`; at most 64. `$…` stays free for internal use. */
export function assertCollection(collection: string): void {
  if (typeof collection !== 'string' || !COLLECTION.test(collection)) {
    throw invalidArgument(`Invalid collection name ${JSON.stringify(collection)}: expected ${COLLECTION.source}`);
  }
}

/** Document ids are opaque strings of 1..512 characters; adapters encode them as their backend needs. */
export function assertId(id: string): void {
  if (typeof id !== 'string' || id.length === 0 || id.length > MAX_ID_LENGTH) {
    throw invalidArgument(`Invalid document id: expected a string of 1..${MAX_ID_LENGTH} characters`);
  }
}

/** Idempotency keys follow the same rules as document ids. */
export function assertIdempotencyKey(key: string): void {
  if (typeof key !== 'string' || key.length === 0 || key.length > MAX_ID_LENGTH) {
    throw invalidArgument(`Invalid idempotency key: expected a string of 1..${MAX_ID_LENGTH} characters`);
  }
}

/** Query and index field names must be plain identifiers (they are interpolated into SQL text). */
export function assertFieldName(field: string): void {
  if (typeof field !== 'string' || !NAME.test(field)) {
    throw invalidArgument(`Invalid field name ${JSON.stringify(field)}: expected ${NAME.source}`);
  }
}

/** TTLs are positive seconds, fractions allowed, within the Cosmos limit. */
export function assertTtl(ttlSeconds: number): void {
  if (
    typeof ttlSeconds !== 'number' ||
    !Number.isFinite(ttlSeconds) ||
    ttlSeconds <= 0 ||
    ttlSeconds > MAX_TTL_SECONDS
  ) {
    throw invalidArgument(`Invalid TTL ${String(ttlSeconds)}: expected seconds in (0, ${MAX_TTL_SECONDS}]`);
  }
}

/** Checks put options and returns the absolute expiry (epoch ms) or null for "never". */
export function resolvePutOptions(options: PutOptions | undefined, nowMs: number): number | null {
  if (options?.ifMatch !== undefined && options.ifNoneMatch !== undefined) {
    throw invalidArgument('ifMatch and ifNoneMatch are mutually exclusive');
  }
  if (options?.ifMatch !== undefined && (typeof options.ifMatch !== 'string' || options.ifMatch.length === 0)) {
    throw invalidArgument('ifMatch must be a non-empty etag');
  }
  if (options?.ifNoneMatch !== undefined && options.ifNoneMatch !== '*') {
    throw invalidArgument("ifNoneMatch only accepts '*'");
  }
  if (options?.ttlSeconds === undefined) return null;
  assertTtl(options.ttlSeconds);
  return expiryOf(nowMs, options.ttlSeconds);
}

/** Absolute expiry in epoch ms; rounded up so a document never expires early. */
export function expiryOf(nowMs: number, ttlSeconds: number): number {
  return nowMs + Math.ceil(ttlSeconds * 1000);
}

/**
 * Serialises a value to the JSON every adapter stores, so all of them share JSON semantics (an `undefined`
 * property disappears, a Date becomes a string) and a value that JSON cannot carry fails loudly instead.
 */
export function serialise(value: unknown): string {
  let json: string | undefined;
  try {
    json = JSON.stringify(value);
  } catch (error) {
    throw invalidArgument(`Value is not JSON-serialisable: ${error instanceof Error ? error.message : String(error)}`);
  }
  if (json === undefined) throw invalidArgument('Value is not JSON-serialisable (undefined, a function or a symbol)');
  return json;
}

/** A validated, normalised {@link Query}. */
export interface ResolvedQuery {
  readonly where: readonly (readonly [field: string, value: string | number | boolean])[];
  readonly orderBy: { readonly field: string; readonly direction: 'asc' | 'desc' } | undefined;
  readonly limit: number;
}

/** Validates a {@link Query} and applies its defaults. */
export function resolveQuery(query: Query | undefined): ResolvedQuery {
  const where = Object.entries(query?.where ?? {});
  for (const [field, value] of where) {
    assertFieldName(field);
    const ok =
      typeof value === 'string' || typeof value === 'boolean' || (typeof value === 'number' && Number.isFinite(value));
    if (!ok) throw invalidArgument(`Filter on ${field} must be a string, a finite number or a boolean`);
  }
  const orderBy = query?.orderBy;
  if (orderBy !== undefined) {
    assertFieldName(orderBy.field);
    if (orderBy.direction !== 'asc' && orderBy.direction !== 'desc')
      throw invalidArgument("orderBy.direction must be 'asc' or 'desc'");
  }
  const limit = query?.limit ?? DEFAULT_QUERY_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_QUERY_LIMIT) {
    throw invalidArgument(`limit must be an integer in 1..${MAX_QUERY_LIMIT}`);
  }
  return { where, orderBy, limit };
}
