import type { AuditTrail } from '@soc/audit';
import { AppError, type Clock, ErrorCode, isAppError } from '@soc/runtime';
import type { StateStore } from '@soc/state';
import type { TriageTuningReader, TriageTuningStore, TuningChange, TuningVersionSummary } from './ports.ts';
import { TriageTuning, tuningHashOf } from './schema.ts';

/** One document per version, `<tenant>:<version>`, created once and never rewritten. */
export const TUNING_COLLECTION = 'triage-tuning';

const docId = (tenantId: string, version: number): string => `${tenantId}:${String(version).padStart(8, '0')}`;
/** The `config.changed` subject of a tenant's tuning. */
export const tuningSubjectOf = (tenantId: string): string => `triage-tuning:${tenantId}`;

/** A CONFLICT naming the version the writer should have read. */
function staleVersion(tenantId: string, expected: number, current: number): AppError {
  return new AppError(ErrorCode.CONFLICT, `The triage tuning of tenant ${tenantId} is at version ${current}, not ${expected}: read it again and apply your change to it.`, {
    retryable: false,
    details: { currentVersion: current, expectedVersion: expected },
  });
}

/**
 * {@link TriageTuningStore} on the state port. A change is audited first (`config.changed`, subject
 * `triage-tuning:<tenant>`, actor the principal, old and new hash and version) and then created with `ifNoneMatch`,
 * so of two writers of the same version exactly one wins; the loser's audit record is followed by a
 * `config.change-abandoned` record, so the chain never shows a change as made that was not.
 */
export class StateTriageTuningStore implements TriageTuningStore {
  readonly #state: StateStore;
  readonly #audit: AuditTrail;

  constructor(state: StateStore, audit: AuditTrail) {
    this.#state = state;
    this.#audit = audit;
  }

  async current(tenantId: string): Promise<TriageTuning | undefined> {
    const [latest] = await this.#state.query<TriageTuning>(TUNING_COLLECTION, { where: { tenantId }, orderBy: { field: 'version', direction: 'desc' }, limit: 1 });
    return latest === undefined ? undefined : TriageTuning.parse(latest.value);
  }

  async version(tenantId: string, version: number): Promise<TriageTuning | undefined> {
    const doc = await this.#state.get<TriageTuning>(TUNING_COLLECTION, docId(tenantId, version));
    return doc === undefined ? undefined : TriageTuning.parse(doc.value);
  }

  async history(tenantId: string, limit = 100): Promise<TuningVersionSummary[]> {
    const docs = await this.#state.query<TriageTuning>(TUNING_COLLECTION, { where: { tenantId }, orderBy: { field: 'version', direction: 'desc' }, limit: Math.min(Math.max(1, limit), 1000) });
    return docs.map(({ value: v }) => ({ version: v.version, sha256: v.sha256, previousSha256: v.previousSha256, changedBy: v.changedBy, changedAt: v.changedAt, entryCount: v.entries.length }));
  }

  async change(change: TuningChange): Promise<TriageTuning> {
    const { tenantId, expectedVersion, principal } = change;
    const previous = await this.current(tenantId);
    const currentVersion = previous?.version ?? 0;
    if (currentVersion !== expectedVersion) throw staleVersion(tenantId, expectedVersion, currentVersion);
    const entries = [...change.entries];
    const next: TriageTuning = TriageTuning.parse({
      tenantId,
      version: currentVersion + 1,
      sha256: tuningHashOf(entries),
      previousSha256: previous?.sha256 ?? null,
      changedBy: principal,
      changedAt: change.at.toISOString(),
      entries,
    });
    const facts = { version: next.version, previousVersion: currentVersion, sha256: next.sha256, previousSha256: next.previousSha256, entryCount: entries.length, entryIds: entries.map((e) => e.id).slice(0, 50) };
    // Audited first: a change that cannot be audited does not happen (the caller answers 503).
    await this.#audit.append({ kind: 'config.changed', actor: principal, subject: tuningSubjectOf(tenantId), tenantId, data: facts });
    try {
      await this.#state.put(TUNING_COLLECTION, docId(tenantId, next.version), next, { ifNoneMatch: '*' });
    } catch (error) {
      if (!isAppError(error) || error.code !== ErrorCode.CONFLICT) throw error;
      // Another writer took this version between our read and our write: record that ours did not happen.
      await this.#audit.append({ kind: 'config.change-abandoned', actor: principal, subject: tuningSubjectOf(tenantId), tenantId, data: { ...facts, why: 'another change took this version first' } }).catch(() => undefined);
      const winner = await this.current(tenantId);
      throw staleVersion(tenantId, expectedVersion, winner?.version ?? next.version);
    }
    return next;
  }
}

/**
 * The tenant's tuning as triage reads it: from the store at most once per `ttlMs` per tenant (a change reaches
 * triage within that time), so scoring an alert costs no store read. A failed read keeps serving the last version
 * read and is retried on the next alert; with none read yet it fails (the bus retries the alert).
 */
export class CachedTuningReader implements TriageTuningReader {
  readonly #inner: TriageTuningReader;
  readonly #clock: Clock;
  readonly #ttlMs: number;
  readonly #cache = new Map<string, { at: number; tuning: TriageTuning | undefined }>();

  constructor(inner: TriageTuningReader, clock: Clock, ttlMs: number) {
    this.#inner = inner;
    this.#clock = clock;
    this.#ttlMs = ttlMs;
  }

  async current(tenantId: string): Promise<TriageTuning | undefined> {
    const now = this.#clock.now().getTime();
    const hit = this.#cache.get(tenantId);
    if (hit !== undefined && now - hit.at < this.#ttlMs) return hit.tuning;
    try {
      const tuning = await this.#inner.current(tenantId);
      this.#cache.set(tenantId, { at: now, tuning });
      return tuning;
    } catch (error) {
      if (hit !== undefined) return hit.tuning;
      throw error;
    }
  }
}
