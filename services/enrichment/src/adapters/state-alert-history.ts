import { type Alert, DEFAULT_DISPOSITION_HALF_LIFE_DAYS, type Disposition, MAX_JUDGED_ALERTS, boundedId, decayedDispositions, eventShapeOf } from '@soc/contracts';
import { MAX_ID_LENGTH, type StateStore, updateWithRetry } from '@soc/state';
import type { AlertHistory, DispositionCounts, DispositionRecord, EntitySighting, HistorySnapshot } from '../ports.ts';
import { ruleKeyOf } from '../handler.ts';
import { CoalescingWriter } from './coalescing-writer.ts';

// Recent sightings kept per document: enough to list recent alerts and to recognise a redelivery, small enough
// that hot entities (read on every alert naming them) stay cheap to parse. A redelivery arriving after 20 newer
// sightings of the same entity would count once more; the count is context, not a key.
const RECENT_LIMIT = 20;

// Dispositions remembered per document, newest first: what makes counting idempotent per alert, lets a changed
// disposition move its count, and what the prior is weighed from (each by its age; the 500 newest, so a prior is
// bounded). A change to an alert older than the last 500 judged ones of a hot rule counts the new answer without
// removing the old one; the counts are a prior, not a ledger.
const DISPOSITION_LIMIT = MAX_JUDGED_ALERTS;

type Sighting = { alertId: string; at: string };

/**
 * The document id of a history key: the key itself while it fits a document id, else a readable head and its
 * digest (contracts' `boundedId`). Entity ids (a request URL, a command line) and rule keys (a rule name can be a
 * command line) can be longer than a document id may be; the key itself stays in the document (`key`) and is what
 * lookups report.
 */
export function historyDocId(key: string): string {
  return boundedId('', key, MAX_ID_LENGTH);
}

const ENTITY_COLLECTION = 'entity-sightings';
const RULE_COLLECTION = 'rule-sightings';
const TENANT_COLLECTION = 'tenant-dispositions';
/** Dispositions per rule and event shape (`eventShapeOf`): only dispositions, the rule's document keeps the sightings. */
const RULE_SHAPE_COLLECTION = 'rule-shape-dispositions';

/** The key of a rule's history and an event shape; a JSON pair, so no rule name or shape can forge another pair's key. */
export const ruleShapeKey = (ruleHistory: string, shape: string): string => JSON.stringify([ruleHistory, shape]);

/** The key of an entity's history: the tenant and the entity id, so one tenant's `host:dc01` is not another's. */
export const entityHistoryKey = (tenantId: string, entityId: string): string => JSON.stringify([tenantId, entityId]);

/** How a rule's history is kept: per tenant (the default), or pooled across tenants as aggregates. */
export interface StateAlertHistoryOptions {
  retentionDays: number;
  /** `HISTORY_HALF_LIFE_DAYS`; default `DEFAULT_DISPOSITION_HALF_LIFE_DAYS`. */
  halfLifeDays?: number;
  /**
   * `HISTORY_POOL_RULES_ACROSS_TENANTS`: one count per rule (and rule + shape) for every tenant, so one tenant's
   * dispositions of a detector inform another's; off, each tenant has its own. Entity history and the tenant prior
   * are always the tenant's own.
   */
  poolRulesAcrossTenants?: boolean;
}

/** Analysts' dispositions counted in a document, with the latest per recent alert. */
interface DispositionTally {
  counts: DispositionCounts;
  byAlert: { alertId: string; disposition: Disposition; at: string }[];
}

interface SightingDoc {
  key: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Newest first; also what makes recording idempotent for recent alerts. */
  recent: { alertId: string; at: string }[];
  dispositions?: DispositionTally;
}

/** Dispositions only: a tenant's, or a rule's with one event shape. */
interface DispositionDoc {
  key: string;
  dispositions: DispositionTally;
}

/** Alert history kept in the state store: one small document per entity and per rule. */
export class StateAlertHistory implements AlertHistory {
  private readonly store: StateStore;
  private readonly retentionSeconds: number;
  private readonly halfLifeDays: number;

  // Busy hosts and rules are named by many alerts at once: one writer per document, coalescing what queues up
  // behind it, instead of optimistic-concurrency retries piling up on the same document.
  private readonly writer = new CoalescingWriter<Sighting>((docKey, items) => this.flush(docKey, items));

  private readonly poolRulesAcrossTenants: boolean;

  constructor(store: StateStore, options: StateAlertHistoryOptions) {
    this.store = store;
    this.retentionSeconds = options.retentionDays * 86_400;
    this.halfLifeDays = options.halfLifeDays ?? DEFAULT_DISPOSITION_HALF_LIFE_DAYS;
    this.poolRulesAcrossTenants = options.poolRulesAcrossTenants ?? false;
  }

  /** The key a rule's history is kept under: the rule key when pooled across tenants, else the tenant's and the rule's. */
  private ruleHistoryKey(tenantId: string, ruleKey: string): string {
    return this.poolRulesAcrossTenants ? ruleKey : JSON.stringify([tenantId, ruleKey]);
  }

  async lookup(alert: Alert, now: Date): Promise<HistorySnapshot> {
    const priorDispositions = (tally: DispositionTally | undefined, alertId: string) => judgedBefore(tally, alertId, now, this.halfLifeDays);
    const ruleKey = ruleKeyOf(alert);
    const ruleHistory = this.ruleHistoryKey(alert.tenantId, ruleKey);
    const shape = eventShapeOf(alert);
    const [entityDocs, ruleDoc, tenantDoc, shapeDoc] = await Promise.all([
      Promise.all(alert.entities.map((e) => this.store.get<SightingDoc>(ENTITY_COLLECTION, historyDocId(entityHistoryKey(alert.tenantId, e.id))))),
      this.store.get<SightingDoc>(RULE_COLLECTION, historyDocId(ruleHistory)),
      this.store.get<DispositionDoc>(TENANT_COLLECTION, alert.tenantId),
      shape === undefined ? undefined : this.store.get<DispositionDoc>(RULE_SHAPE_COLLECTION, historyDocId(ruleShapeKey(ruleHistory, shape))),
    ]);
    const entities: EntitySighting[] = [];
    for (const [i, doc] of entityDocs.entries()) {
      const entity = alert.entities[i];
      if (!doc || !entity) continue;
      const prior = priorOf(doc.value, alert.alertId);
      const dispositions = priorDispositions(doc.value.dispositions, alert.alertId);
      if (prior.count === 0 && !dispositions) continue;
      entities.push({
        entityId: entity.id,
        priorAlertCount: prior.count,
        firstSeenAt: prior.firstSeenAt,
        lastSeenAt: prior.lastSeenAt,
        recentAlertIds: prior.recent.slice(0, 10).map((r) => r.alertId),
        ...(dispositions ? { dispositions } : {}),
      });
    }
    const rulePrior = ruleDoc ? priorOf(ruleDoc.value, alert.alertId) : undefined;
    const ruleDispositions = priorDispositions(ruleDoc?.value.dispositions, alert.alertId);
    const tenantDispositions = priorDispositions(tenantDoc?.value.dispositions, alert.alertId);
    const shapeDispositions = priorDispositions(shapeDoc?.value.dispositions, alert.alertId);
    const shapeOf = shape === undefined ? {} : { shape: { shape, ...(shapeDispositions ? { dispositions: shapeDispositions } : {}) } };
    return {
      entities,
      rule:
        ruleDoc && rulePrior && (rulePrior.count > 0 || ruleDispositions)
          ? { ruleKey, priorAlertCount: rulePrior.count, lastSeenAt: rulePrior.lastSeenAt, ...(ruleDispositions ? { dispositions: ruleDispositions } : {}), ...shapeOf }
          : undefined,
      ...(tenantDispositions ? { tenant: { tenantId: alert.tenantId, dispositions: tenantDispositions } } : {}),
    };
  }

  async recordDisposition(record: DispositionRecord): Promise<void> {
    const options = { ttlSeconds: this.retentionSeconds };
    const ruleHistory = this.ruleHistoryKey(record.tenantId, record.ruleKey);
    const shapeKey = record.shape === undefined ? undefined : ruleShapeKey(ruleHistory, record.shape);
    await Promise.all([
      ...[...new Set(record.entityIds)].map((id) => {
        const key = entityHistoryKey(record.tenantId, id);
        return updateWithRetry<SightingDoc>(this.store, ENTITY_COLLECTION, historyDocId(key), (current) => withDisposition(current ?? emptySightings(key, record.at), record), options);
      }),
      updateWithRetry<SightingDoc>(this.store, RULE_COLLECTION, historyDocId(ruleHistory), (current) => withDisposition(current ?? emptySightings(ruleHistory, record.at), record), options),
      updateWithRetry<DispositionDoc>(this.store, TENANT_COLLECTION, record.tenantId, (current) => withDisposition(current ?? { key: record.tenantId, dispositions: emptyTally() }, record), options),
      ...(shapeKey === undefined
        ? []
        : [updateWithRetry<DispositionDoc>(this.store, RULE_SHAPE_COLLECTION, historyDocId(shapeKey), (current) => withDisposition(current ?? { key: shapeKey, dispositions: emptyTally() }, record), options)]),
    ]);
  }

  async record(alert: Alert, at: Date): Promise<void> {
    const sighting = { alertId: alert.alertId, at: at.toISOString() };
    await Promise.all([
      ...alert.entities.map((e) => this.writer.add(`${ENTITY_COLLECTION}\u0000${entityHistoryKey(alert.tenantId, e.id)}`, sighting)),
      this.writer.add(`${RULE_COLLECTION}\u0000${this.ruleHistoryKey(alert.tenantId, ruleKeyOf(alert))}`, sighting),
    ]);
  }

  /** Writes every sighting queued for one document in a single read-modify-write. */
  private async flush(docKey: string, sightings: readonly Sighting[]): Promise<void> {
    const [collection, key] = docKey.split('\u0000') as [string, string];
    await updateWithRetry<SightingDoc>(this.store, collection, historyDocId(key), (current) => addSightings(current, key, sightings), {
      ttlSeconds: this.retentionSeconds,
    });
  }
}

/** The doc without the current alert: on a redelivery the alert must not count as its own history. */
function priorOf(doc: SightingDoc, alertId: string): { count: number; recent: SightingDoc['recent']; firstSeenAt: string; lastSeenAt: string } {
  if (!doc.recent.some((r) => r.alertId === alertId)) {
    return { count: doc.count, recent: doc.recent, firstSeenAt: doc.firstSeenAt, lastSeenAt: doc.lastSeenAt };
  }
  const recent = doc.recent.filter((r) => r.alertId !== alertId);
  const times = recent.map((r) => r.at).sort();
  return {
    count: doc.count - 1,
    recent,
    // Older sightings may have rolled out of `recent`; the stored first sighting stays the best lower bound.
    firstSeenAt: doc.count - 1 > recent.length ? doc.firstSeenAt : (times[0] ?? doc.firstSeenAt),
    lastSeenAt: times[times.length - 1] ?? doc.lastSeenAt,
  };
}

function addSightings(current: SightingDoc | undefined, key: string, sightings: readonly Sighting[]): SightingDoc | undefined {
  let doc = current;
  for (const { alertId, at } of sightings) {
    if (!doc) {
      doc = { key, count: 1, firstSeenAt: at, lastSeenAt: at, recent: [{ alertId, at }] };
      continue;
    }
    if (doc.recent.some((r) => r.alertId === alertId)) continue; // already recorded
    doc = {
      ...doc,
      key,
      count: doc.count + 1,
      firstSeenAt: doc.firstSeenAt < at ? doc.firstSeenAt : at,
      lastSeenAt: doc.lastSeenAt > at ? doc.lastSeenAt : at,
      recent: [{ alertId, at }, ...doc.recent].slice(0, RECENT_LIMIT),
    };
  }
  return doc === current ? undefined : doc;
}

const COUNT_OF: Readonly<Record<Disposition, keyof DispositionCounts>> = {
  'true-positive': 'truePositives',
  'benign-positive': 'benignPositives',
  'false-positive': 'falsePositives',
};

const emptyTally = (): DispositionTally => ({ counts: { truePositives: 0, benignPositives: 0, falsePositives: 0 }, byAlert: [] });
// An entity or rule whose sightings expired still carries its dispositions; it has no prior alerts of its own.
const emptySightings = (key: string, at: string): SightingDoc => ({ key, count: 0, firstSeenAt: at, lastSeenAt: at, recent: [] });

/** The document with the alert's disposition counted once: unchanged when already so, moved when it changed. */
function withDisposition<D extends { dispositions?: DispositionTally }>(doc: D, record: DispositionRecord): D | undefined {
  const tally = doc.dispositions ?? emptyTally();
  const earlier = tally.byAlert.find((d) => d.alertId === record.alertId);
  if (earlier?.disposition === record.disposition) return undefined;
  // An older answer delivered after a newer one must not overwrite it.
  if (earlier && earlier.at > record.at) return undefined;
  const counts = { ...tally.counts };
  if (earlier) counts[COUNT_OF[earlier.disposition]] = Math.max(0, counts[COUNT_OF[earlier.disposition]] - 1);
  counts[COUNT_OF[record.disposition]] += 1;
  const byAlert = [{ alertId: record.alertId, disposition: record.disposition, at: record.at }, ...tally.byAlert.filter((d) => d.alertId !== record.alertId)].slice(0, DISPOSITION_LIMIT);
  return { ...doc, dispositions: { counts, byAlert } };
}

/**
 * The dispositions of the newest judged alerts but the current one (a redelivered, already judged alert is not its
 * own prior), each weighed by its age at `now` (`decayedDispositions`); undefined when none was judged.
 */
function judgedBefore(tally: DispositionTally | undefined, alertId: string, now: Date, halfLifeDays: number): DispositionCounts | undefined {
  const judged = tally?.byAlert.filter((d) => d.alertId !== alertId) ?? [];
  return judged.length > 0 ? decayedDispositions(judged, now, halfLifeDays) : undefined;
}
