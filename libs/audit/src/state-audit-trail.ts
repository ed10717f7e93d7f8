import { setTimeout as sleepFor } from 'node:timers/promises';
import { AppError, type Clock, ErrorCode, isAppError, systemClock } from '@soc/runtime';
import { type StateStore, updateWithRetry } from '@soc/state';
import { GENESIS_HASH, canonicalJson, hashOf } from './canonical.ts';
import { checkLink } from './chain.ts';
import type {
  AuditEntry,
  AuditLog,
  AuditReceipt,
  AuditRecord,
  TamperFinding,
  VerifiedStream,
  VerifyResult,
} from './port.ts';

/** The collection of audit records: one document per record, id `<stream>:<seq, 12 digits>`, never rewritten. */
export const AUDIT_COLLECTION = 'audit';
/** One document per stream naming its last record (`seq`, `hash`): what makes a truncated tail visible. */
export const AUDIT_HEAD_COLLECTION = 'audit-head';
/** Largest `data`, as canonical JSON: an audit record names things, it does not carry them. */
export const MAX_AUDIT_DATA_CHARS = 16_384;
/** Longest `kind`, `actor`, `subject` and `tenantId`. */
const MAX_LABEL_CHARS = 512;
/** Cap on the wait between two tries of one append. */
const MAX_BACKOFF_MS = 50;
const STREAM_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

interface Head {
  stream: string;
  seq: number;
  hash: string;
}

interface Tip {
  seq: number;
  hash: string;
}

/** The document id of a record: fixed-width numbers, so ids sort in chain order. */
export function auditRecordId(stream: string, seq: number): string {
  return `${stream}:${String(seq).padStart(12, '0')}`;
}

/** The chain a kind is written to: the part before the first dot (`decision.made` → `decision`). */
export function streamOf(kind: string): string {
  return kind.split('.', 1)[0] ?? kind;
}

/** Options of {@link StateAuditTrail}. */
export interface StateAuditTrailOptions {
  /** Stamps `at`. Default the system clock. */
  readonly clock?: Clock;
  /** Appends tried in all when other writers keep taking the next number; then a retryable error. Default 20. */
  readonly maxAttempts?: number;
  /** Waits between attempts (tests inject an instant one). */
  readonly sleep?: (ms: number) => Promise<void>;
  /** Jitter source in [0, 1). */
  readonly random?: () => number;
  /**
   * Streams split into lanes: a record of such a stream joins the chain `<stream>-<lane>`, the lane chosen by a
   * hash of its subject (so one subject's records stay in one chain, in order). A chain takes one append at a time
   * per process (the next record hashes the previous one), so a busy stream — a decision per alert — is split to
   * let appends of different subjects run side by side. Default none; the platform uses {@link DEFAULT_AUDIT_LANES}.
   */
  readonly lanes?: Readonly<Record<string, number>>;
}

/**
 * The lanes every process of an installation uses (the platform's audit trail and the CLI's): decisions, one per
 * alert, are spread over 8 chains. Changing it changes which chain new records join, never the existing chains.
 */
export const DEFAULT_AUDIT_LANES: Readonly<Record<string, number>> = { decision: 8 };

/** The lane of a subject among `lanes`: FNV-1a of its UTF-16 code units, so every process picks the same. */
function laneOf(subject: string, lanes: number): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < subject.length; i++) {
    h ^= subject.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h % lanes;
}

/**
 * The tamper-evident audit log on the state port: one hash chain per stream (the kind's first segment), each
 * record created once with `ifNoneMatch: '*'` on its sequence number, so concurrent writers in any number of
 * processes serialise on the number and the loser re-reads the tip and tries the next one. Within a process,
 * appends to one stream run one after another (a second append in flight could chain onto a record that then loses
 * its race, breaking the chain), and the tip is cached, so a lone writer never reads before it writes.
 * Nothing here updates or deletes a record, and no record has a TTL.
 */
export class StateAuditTrail implements AuditLog {
  readonly #state: StateStore;
  readonly #clock: Clock;
  readonly #maxAttempts: number;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #random: () => number;
  /** The last record this process knows of, per stream. */
  readonly #tips = new Map<string, Tip>();
  /** The head document's etag as this process last wrote it, per stream: a head write without a read. */
  readonly #headEtags = new Map<string, string>();
  /** The end of each stream's queue of appends in this process. */
  readonly #queues = new Map<string, Promise<unknown>>();
  readonly #lanes: Readonly<Record<string, number>>;

  constructor(state: StateStore, options: StateAuditTrailOptions = {}) {
    this.#state = state;
    this.#lanes = options.lanes ?? {};
    this.#clock = options.clock ?? systemClock;
    this.#maxAttempts = Math.max(1, options.maxAttempts ?? 20);
    this.#sleep = options.sleep ?? ((ms: number) => sleepFor(ms));
    this.#random = options.random ?? Math.random;
  }

  append(entry: AuditEntry): Promise<AuditReceipt> {
    let checked: AuditEntry;
    try {
      checked = validated(entry);
    } catch (error) {
      return Promise.reject(error as Error);
    }
    const base = streamOf(checked.kind);
    const lanes = this.#lanes[base];
    const stream = lanes !== undefined && lanes > 1 ? `${base}-${laneOf(checked.subject, lanes)}` : base;
    const previous = this.#queues.get(stream) ?? Promise.resolve();
    const next = previous.then(
      () => this.#appendNow(stream, checked),
      () => this.#appendNow(stream, checked),
    );
    const settled = next.catch(() => undefined);
    this.#queues.set(stream, settled);
    void settled.then(() => {
      if (this.#queues.get(stream) === settled) this.#queues.delete(stream);
    });
    return next;
  }

  async #appendNow(stream: string, entry: AuditEntry): Promise<AuditReceipt> {
    let tip = this.#tips.get(stream) ?? (await this.#loadTip(stream));
    for (let attempt = 1; ; attempt++) {
      const unsealed: Omit<AuditRecord, 'hash'> = {
        stream,
        seq: tip.seq + 1,
        at: this.#clock.now().toISOString(),
        kind: entry.kind,
        actor: entry.actor,
        subject: entry.subject,
        tenantId: entry.tenantId ?? null,
        data: entry.data,
        prevHash: tip.hash,
      };
      const record: AuditRecord = { ...unsealed, hash: hashOf(unsealed) };
      try {
        await this.#state.put(AUDIT_COLLECTION, auditRecordId(stream, record.seq), record, { ifNoneMatch: '*' });
      } catch (error) {
        // Whether a failed write landed is unknown: forget the tip, so the next append reads it again.
        this.#tips.delete(stream);
        if (!(isAppError(error) && error.code === ErrorCode.CONFLICT)) throw error;
        if (attempt >= this.#maxAttempts) {
          throw new AppError(ErrorCode.CONFLICT, `audit stream ${stream}: the next number was taken ${attempt} times in a row`, {
            retryable: true,
            cause: error,
            details: { stream, attempts: attempt },
          });
        }
        // Full jitter first: writers that collided spread out instead of colliding again in lockstep; then the tip
        // is read, as late as possible, so the next try names the number that is free now.
        await this.#sleep(Math.floor(this.#random() * Math.min(MAX_BACKOFF_MS, 2 ** attempt)));
        tip = await this.#advance(stream, tip);
        continue;
      }
      this.#tips.set(stream, { seq: record.seq, hash: record.hash });
      await this.#raiseHead({ stream, seq: record.seq, hash: record.hash });
      return { seq: record.seq, hash: record.hash };
    }
  }

  /** The stream's last record: from its head (or, the head gone, the highest number stored), then read forward. */
  async #loadTip(stream: string): Promise<Tip> {
    const head = await this.#state.get<Head>(AUDIT_HEAD_COLLECTION, stream);
    if (head !== undefined) return this.#advance(stream, { seq: head.value.seq, hash: head.value.hash });
    const [highest] = await this.#state.query<AuditRecord>(AUDIT_COLLECTION, {
      where: { stream },
      orderBy: { field: 'seq', direction: 'desc' },
      limit: 1,
    });
    return this.#advance(stream, highest ? { seq: highest.value.seq, hash: highest.value.hash } : { seq: 0, hash: GENESIS_HASH });
  }

  /** Reads records past `from` until the first absent number: the writes of other processes. */
  async #advance(stream: string, from: Tip): Promise<Tip> {
    let tip = from;
    for (;;) {
      const next = await this.#state.get<AuditRecord>(AUDIT_COLLECTION, auditRecordId(stream, tip.seq + 1));
      if (next === undefined) return tip;
      tip = { seq: tip.seq + 1, hash: String(next.value.hash) };
    }
  }

  /** Moves the head forward to this record, never back (another process may be ahead). */
  async #raiseHead(head: Head): Promise<void> {
    const etag = this.#headEtags.get(head.stream);
    if (etag !== undefined) {
      try {
        this.#headEtags.set(head.stream, await this.#state.put(AUDIT_HEAD_COLLECTION, head.stream, head, { ifMatch: etag }));
        return;
      } catch (error) {
        this.#headEtags.delete(head.stream);
        if (!(isAppError(error) && error.code === ErrorCode.PRECONDITION_FAILED)) throw error;
      }
    }
    await updateWithRetry<Head>(this.#state, AUDIT_HEAD_COLLECTION, head.stream, (current) =>
      current !== undefined && current.seq >= head.seq ? undefined : head,
    );
    // The etag is learnt on the next read-free write's failure or here; one read keeps later writes read-free.
    const stored = await this.#state.get<Head>(AUDIT_HEAD_COLLECTION, head.stream);
    if (stored !== undefined && stored.value.seq === head.seq) this.#headEtags.set(head.stream, stored.etag);
  }

  async verify(): Promise<VerifyResult> {
    const heads = new Map<string, Head>();
    for (const doc of await this.#state.query<Head>(AUDIT_HEAD_COLLECTION, { limit: 1000 })) heads.set(doc.id, doc.value);
    const names = new Set(heads.keys());
    // A stream whose head was deleted is still found by its first record.
    for (const doc of await this.#state.query<AuditRecord>(AUDIT_COLLECTION, { where: { seq: 1 }, limit: 1000 })) {
      if (typeof doc.value.stream === 'string') names.add(doc.value.stream);
    }
    const streams: VerifiedStream[] = [];
    let count = 0;
    for (const stream of [...names].sort()) {
      const walked = await this.#walk(stream, heads.get(stream));
      streams.push(walked.verified);
      count += walked.verified.count;
      if (walked.first) return { ok: false, count, streams, first: walked.first };
    }
    return { ok: true, count, streams };
  }

  async #walk(stream: string, head: Head | undefined): Promise<{ verified: VerifiedStream; first?: TamperFinding }> {
    let tip: Tip = { seq: 0, hash: GENESIS_HASH };
    let hashAtHead: string | undefined;
    const verified = (): VerifiedStream => ({ stream, count: tip.seq, lastSeq: tip.seq, lastHash: tip.hash });
    for (;;) {
      const doc = await this.#state.get<unknown>(AUDIT_COLLECTION, auditRecordId(stream, tip.seq + 1));
      if (doc === undefined) break;
      const first = checkLink(doc.value, { stream, seq: tip.seq + 1, prevHash: tip.hash });
      if (first) return { verified: verified(), first };
      tip = { seq: tip.seq + 1, hash: (doc.value as AuditRecord).hash };
      if (head !== undefined && tip.seq === head.seq) hashAtHead = tip.hash;
    }
    if (head === undefined) {
      if (tip.seq === 0) return { verified: verified() };
      return {
        verified: verified(),
        first: { stream, seq: tip.seq, reason: 'deleted', detail: `the head of stream ${stream} is missing, so records after #${tip.seq} may have been deleted` },
      };
    }
    if (tip.seq < head.seq) {
      return {
        verified: verified(),
        first: { stream, seq: tip.seq + 1, reason: 'deleted', detail: `#${tip.seq + 1} is missing, yet the head names #${head.seq} as the last record` },
      };
    }
    if (hashAtHead !== head.hash) {
      return {
        verified: verified(),
        first: {
          stream,
          seq: head.seq,
          reason: 'edited',
          detail: `the head recorded hash ${head.hash} for #${head.seq}, which now hashes to ${hashAtHead ?? 'nothing'}: the chain was rewritten up to here`,
        },
      };
    }
    return { verified: verified() };
  }

  async list(query: { limit?: number; stream?: string } = {}): Promise<AuditRecord[]> {
    const limit = Math.min(Math.max(1, Math.trunc(query.limit ?? 20)), 1000);
    const lanes = query.stream === undefined ? undefined : this.#lanes[query.stream];
    if (query.stream !== undefined && lanes !== undefined && lanes > 1) {
      // A laned stream is its lanes' chains together, newest first, with its own chain of records written before it
      // had lanes (or by a process without them).
      const base = query.stream;
      const names = [base, ...Array.from({ length: lanes }, (_, lane) => `${base}-${lane}`)];
      const perLane = await Promise.all(names.map((stream) => this.#listStream(stream, limit)));
      return perLane
        .flat()
        .sort((a, b) => (a.at < b.at ? 1 : a.at > b.at ? -1 : b.seq - a.seq))
        .slice(0, limit);
    }
    if (query.stream !== undefined) return this.#listStream(query.stream, limit);
    const docs = await this.#state.query<AuditRecord>(AUDIT_COLLECTION, { orderBy: { field: 'at', direction: 'desc' }, limit });
    return docs.map((d) => d.value);
  }

  async #listStream(stream: string, limit: number): Promise<AuditRecord[]> {
    const docs = await this.#state.query<AuditRecord>(AUDIT_COLLECTION, { where: { stream }, orderBy: { field: 'seq', direction: 'desc' }, limit });
    return docs.map((d) => d.value);
  }

  async latest(kind: string, subject: string): Promise<AuditRecord | undefined> {
    const [doc] = await this.#state.query<AuditRecord>(AUDIT_COLLECTION, {
      where: { kind, subject },
      orderBy: { field: 'seq', direction: 'desc' },
      limit: 1,
    });
    return doc?.value;
  }
}

/** The entry as it will be stored, or VALIDATION_FAILED: a bad entry is the caller's bug, never retried. */
function validated(entry: AuditEntry): AuditEntry {
  const invalid = (why: string): AppError => new AppError(ErrorCode.VALIDATION_FAILED, `audit entry: ${why}`, { retryable: false });
  for (const field of ['kind', 'actor', 'subject'] as const) {
    const value: unknown = entry[field];
    if (typeof value !== 'string' || value === '' || value.length > MAX_LABEL_CHARS) throw invalid(`${field} must be 1..${MAX_LABEL_CHARS} characters`);
  }
  if (!STREAM_PATTERN.test(streamOf(entry.kind)) || !entry.kind.includes('.')) throw invalid(`kind ${JSON.stringify(entry.kind)} is not <stream>.<event>`);
  if (entry.tenantId !== undefined && (typeof entry.tenantId !== 'string' || entry.tenantId.length > MAX_LABEL_CHARS)) throw invalid('tenantId must be a string');
  if (typeof entry.data !== 'object' || entry.data === null || Array.isArray(entry.data)) throw invalid('data must be an object');
  let data: Record<string, unknown>;
  try {
    // The record is hashed as it will read back: plain JSON data.
    data = JSON.parse(JSON.stringify(entry.data)) as Record<string, unknown>;
  } catch (cause) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, 'audit entry: data is not JSON', { retryable: false, cause });
  }
  if (canonicalJson(data).length > MAX_AUDIT_DATA_CHARS) throw invalid(`data is over ${MAX_AUDIT_DATA_CHARS} characters of JSON`);
  return { kind: entry.kind, actor: entry.actor, subject: entry.subject, ...(entry.tenantId !== undefined ? { tenantId: entry.tenantId } : {}), data };
}
