import { createHash } from 'node:crypto';
import type { AuditEntry, AuditTrail } from '@soc/audit';
import type { StateStore } from '@soc/state';
import { updateWithRetry } from '@soc/state';
import type { KqlAuditEntry, KqlAuditLog, KqlAuditPage, KqlAuditRecord } from '../audit.ts';

/** Records per page bucket; also the largest page {@link StateKqlAuditLog.list} returns. */
export const AUDIT_PAGE_SIZE = 100;
/** The collection of audit records. */
export const AUDIT_COLLECTION = 'kql-audit';
/** The outcome of each run, one write-once document per record id: a record is never rewritten to complete it. */
export const AUDIT_OUTCOME_COLLECTION = 'kql-audit-outcome';
const HEAD_COLLECTION = 'kql-audit-head';
/** The fields an outcome sets; everything else is the start record's and stays as written. */
const OUTCOME_FIELDS = ['status', 'finishedAt', 'durationMs', 'resultTables', 'rowCount', 'error'] as const;
type Outcome = Pick<KqlAuditRecord, (typeof OUTCOME_FIELDS)[number]>;
const HEAD_ID = 'sequence';

interface Head {
  last: number;
}

/** Options of {@link StateKqlAuditLog}. */
export interface StateKqlAuditLogOptions {
  /** Records expire after this many days; absent or 0: kept until deleted. */
  readonly retentionDays?: number;
  /**
   * The tamper-evident audit trail (`@soc/audit`) each run's start and outcome are chained into (`kql.run.started`,
   * `kql.run.denied`, `kql.run.finished`: caller, purpose, the query's SHA-256, verdict, status). A start that cannot
   * be chained is not recorded, so the query is not run.
   */
  readonly trail?: AuditTrail;
}

/** The audit id of a sequence number: fixed width, so ids sort in run order. */
export function auditIdOf(seq: number): string {
  return `kqa-${String(seq).padStart(12, '0')}`;
}

/**
 * The audit trail in the state store (`kql-audit`, TTL from configuration). Append-only: the start record is
 * created once, the outcome is a second write-once document (`kql-audit-outcome`) that `get` and `list` merge in,
 * and both are chained into the tamper-evident trail when one is given. Each record takes the next number of a
 * counter document (an etag-checked increment, so concurrent writers never share one) and is filed under the page
 * bucket of its number; the state port filters by equality only, and the bucket is what makes exact, stable paging
 * possible with it.
 */
export class StateKqlAuditLog implements KqlAuditLog {
  readonly #state: StateStore;
  readonly #ttl: { ttlSeconds?: number };
  readonly #trail: AuditTrail | undefined;

  constructor(state: StateStore, options: StateKqlAuditLogOptions = {}) {
    this.#state = state;
    this.#trail = options.trail;
    this.#ttl = options.retentionDays ? { ttlSeconds: options.retentionDays * 86_400 } : {};
  }

  async append(entry: KqlAuditEntry): Promise<KqlAuditRecord> {
    // The counter never expires: a restarted sequence would reuse ids of records still kept.
    const head = await updateWithRetry<Head>(this.#state, HEAD_COLLECTION, HEAD_ID, (current) => ({ last: (current?.last ?? 0) + 1 }));
    const seq = head?.last ?? 1;
    const record: KqlAuditRecord = { id: auditIdOf(seq), seq, auditPage: Math.floor(seq / AUDIT_PAGE_SIZE), ...entry };
    await this.#trail?.append(chained(record.status === 'denied' ? 'kql.run.denied' : 'kql.run.started', record));
    await this.#state.put(AUDIT_COLLECTION, record.id, record, { ifNoneMatch: '*', ...this.#ttl });
    // A run denied by the guard is complete as written: its outcome is on the record already.
    if (record.status !== 'running') await this.#state.put(AUDIT_OUTCOME_COLLECTION, record.id, outcomeOf(record), { ifNoneMatch: '*', ...this.#ttl });
    return record;
  }

  /** Records the outcome of a run, once: a second outcome for the same run is a CONFLICT, and nothing else of the record changes. */
  async complete(record: KqlAuditRecord): Promise<void> {
    await this.#state.put(AUDIT_OUTCOME_COLLECTION, record.id, outcomeOf(record), { ifNoneMatch: '*', ...this.#ttl });
    await this.#trail?.append(chained('kql.run.finished', record));
  }

  async get(id: string): Promise<KqlAuditRecord | undefined> {
    const started = (await this.#state.get<KqlAuditRecord>(AUDIT_COLLECTION, id))?.value;
    return started === undefined ? undefined : this.#withOutcome(started);
  }

  async #withOutcome(started: KqlAuditRecord): Promise<KqlAuditRecord> {
    const outcome = (await this.#state.get<Outcome>(AUDIT_OUTCOME_COLLECTION, started.id))?.value;
    if (outcome === undefined) return started;
    const merged: KqlAuditRecord = { ...started };
    for (const field of OUTCOME_FIELDS) (merged as unknown as Record<string, unknown>)[field] = outcome[field];
    return merged;
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
      for (const d of docs) if (d.value.seq < before && items.length < limit) items.push(await this.#withOutcome(d.value));
    }
    const last = items.at(-1);
    return { items, next: items.length === limit && last !== undefined && last.seq > 1 ? last.seq : null };
  }
}

function outcomeOf(record: KqlAuditRecord): Outcome {
  return { status: record.status, finishedAt: record.finishedAt, durationMs: record.durationMs, resultTables: record.resultTables, rowCount: record.rowCount, error: record.error };
}

/** A run as the tamper-evident trail keeps it: who, why, the query's hash (the query itself stays in `kql-audit`), the guard's verdict and the outcome. */
function chained(kind: string, record: KqlAuditRecord): AuditEntry {
  return {
    kind,
    actor: record.caller,
    subject: record.id,
    data: {
      purpose: record.purpose,
      correlationId: record.correlationId,
      backend: record.backend,
      workspaceId: record.workspaceId,
      querySha256: createHash('sha256').update(record.query).digest('hex'),
      verdict: record.verdict,
      tablesRead: record.tablesRead,
      status: record.status,
      ...(record.status === 'running' ? {} : { rowCount: record.rowCount, error: record.error?.code ?? null }),
    },
  };
}
