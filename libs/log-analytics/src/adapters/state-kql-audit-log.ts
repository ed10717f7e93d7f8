import type { StateStore } from '@soc/state';
import { updateWithRetry } from '@soc/state';
import type { KqlAuditEntry, KqlAuditLog, KqlAuditPage, KqlAuditRecord } from '../audit.ts';

/** Records per page bucket; also the largest page {@link StateKqlAuditLog.list} returns. */
export const AUDIT_PAGE_SIZE = 100;
/** The collection of audit records. */
export const AUDIT_COLLECTION = 'kql-audit';
const HEAD_COLLECTION = 'kql-audit-head';
const HEAD_ID = 'sequence';

interface Head {
  last: number;
}

/** Options of {@link StateKqlAuditLog}. */
export interface StateKqlAuditLogOptions {
  /** Records expire after this many days; absent or 0: kept until deleted. */
  readonly retentionDays?: number;
}

/** The audit id of a sequence number: fixed width, so ids sort in run order. */
export function auditIdOf(seq: number): string {
  return `kqa-${String(seq).padStart(12, '0')}`;
}

/**
 * The audit trail in the state store (`kql-audit`, TTL from configuration). Each record takes the next number of a
 * counter document (an etag-checked increment, so concurrent writers never share one) and is filed under the page
 * bucket of its number; the state port filters by equality only, and the bucket is what makes exact, stable paging
 * possible with it.
 */
export class StateKqlAuditLog implements KqlAuditLog {
  readonly #state: StateStore;
  readonly #ttl: { ttlSeconds?: number };

  constructor(state: StateStore, options: StateKqlAuditLogOptions = {}) {
    this.#state = state;
    this.#ttl = options.retentionDays ? { ttlSeconds: options.retentionDays * 86_400 } : {};
  }

  async append(entry: KqlAuditEntry): Promise<KqlAuditRecord> {
    // The counter never expires: a restarted sequence would reuse ids of records still kept.
    const head = await updateWithRetry<Head>(this.#state, HEAD_COLLECTION, HEAD_ID, (current) => ({ last: (current?.last ?? 0) + 1 }));
    const seq = head?.last ?? 1;
    const record: KqlAuditRecord = { id: auditIdOf(seq), seq, auditPage: Math.floor(seq / AUDIT_PAGE_SIZE), ...entry };
    await this.#state.put(AUDIT_COLLECTION, record.id, record, { ifNoneMatch: '*', ...this.#ttl });
    return record;
  }

  async complete(record: KqlAuditRecord): Promise<void> {
    await this.#state.put(AUDIT_COLLECTION, record.id, record, this.#ttl);
  }

  async get(id: string): Promise<KqlAuditRecord | undefined> {
    return (await this.#state.get<KqlAuditRecord>(AUDIT_COLLECTION, id))?.value;
  }

  async list(query: { limit: number; before?: number }): Promise<KqlAuditPage> {
    const limit = Math.min(Math.max(1, Math.trunc(query.limit)), AUDIT_PAGE_SIZE);
    const before = query.before ?? ((await this.#state.get<Head>(HEAD_COLLECTION, HEAD_ID))?.value.last ?? 0) + 1;
    const items: KqlAuditRecord[] = [];
    // A page of `limit` ≤ bucket size spans at most two buckets.
    for (let bucket = Math.floor((before - 1) / AUDIT_PAGE_SIZE); bucket >= 0 && items.length < limit; bucket--) {
      const docs = await this.#state.query<KqlAuditRecord>(AUDIT_COLLECTION, {
        where: { auditPage: bucket },
        orderBy: { field: 'seq', direction: 'desc' },
        limit: AUDIT_PAGE_SIZE,
      });
      // Every record is written with the same TTL, so an empty bucket means everything older has expired too.
      if (docs.length === 0) break;
      for (const d of docs) if (d.value.seq < before && items.length < limit) items.push(d.value);
    }
    const last = items.at(-1);
    return { items, next: items.length === limit && last !== undefined && last.seq > 1 ? last.seq : null };
  }
}
