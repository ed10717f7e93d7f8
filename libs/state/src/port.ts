/** A stored document with its concurrency token. */
export interface Versioned<T> {
  readonly id: string;
  readonly value: T;
  /** Opaque version token; pass it back as `ifMatch` for optimistic concurrency. */
  readonly etag: string;
}

/** Options of {@link StateStore.put}. */
export interface PutOptions {
  /** Write only if the stored etag is this one; otherwise a PRECONDITION_FAILED AppError (retryable: re-read and retry). */
  readonly ifMatch?: string;
  /** Write only if no document with this id exists; otherwise a CONFLICT AppError. */
  readonly ifNoneMatch?: '*';
  /** Expire the document after this many seconds (it then reads as absent and is purged). */
  readonly ttlSeconds?: number;
}

/** Equality filter on top-level fields of the stored value, plus ordering and a page size. */
export interface Query {
  readonly where?: Readonly<Record<string, string | number | boolean>>;
  /** Top-level field whose string or number value orders the result. */
  readonly orderBy?: { readonly field: string; readonly direction: 'asc' | 'desc' };
  /** Default 100, at most 1000. */
  readonly limit?: number;
}

/**
 * The state port: documents in named collections (cases, entity history, dedup and throttle state,
 * tickets …), with optimistic concurrency, TTL and idempotency keys.
 */
export interface StateStore {
  get<T>(collection: string, id: string): Promise<Versioned<T> | undefined>;
  /** Creates or replaces a document; returns the new etag. */
  put<T>(collection: string, id: string, value: T, options?: PutOptions): Promise<string>;
  /** Deletes a document; true if it existed. Honours `ifMatch`. */
  delete(collection: string, id: string, options?: Pick<PutOptions, 'ifMatch'>): Promise<boolean>;
  query<T>(collection: string, query?: Query): Promise<readonly Versioned<T>[]>;
  /**
   * Records an idempotency key; true the first time, false while it is remembered. Side-effect adapters
   * claim a key derived from the event id before acting, so a redelivery acts once.
   */
  claimIdempotencyKey(key: string, ttlSeconds: number): Promise<boolean>;
  close(): Promise<void>;
}
