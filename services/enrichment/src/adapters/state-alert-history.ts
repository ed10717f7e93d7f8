import type { Alert } from '@soc/contracts';
import { type StateStore, updateWithRetry } from '@soc/state';
import type { AlertHistory, EntitySighting, HistorySnapshot } from '../ports.ts';
import { ruleKeyOf } from '../handler.ts';
import { CoalescingWriter } from './coalescing-writer.ts';

// Recent sightings kept per document: enough to list recent alerts and to recognise a redelivery, small enough
// that hot entities (read on every alert naming them) stay cheap to parse. A redelivery arriving after 20 newer
// sightings of the same entity would count once more; the count is context, not a key.
const RECENT_LIMIT = 20;

type Sighting = { alertId: string; at: string };
const ENTITY_COLLECTION = 'entity-sightings';
const RULE_COLLECTION = 'rule-sightings';

interface SightingDoc {
  key: string;
  count: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Newest first; also what makes recording idempotent for recent alerts. */
  recent: { alertId: string; at: string }[];
}

/** Alert history kept in the state store: one small document per entity and per rule. */
export class StateAlertHistory implements AlertHistory {
  private readonly store: StateStore;
  private readonly retentionSeconds: number;

  // Busy hosts and rules are named by many alerts at once: one writer per document, coalescing what queues up
  // behind it, instead of optimistic-concurrency retries piling up on the same document.
  private readonly writer = new CoalescingWriter<Sighting>((docKey, items) => this.flush(docKey, items));

  constructor(store: StateStore, options: { retentionDays: number }) {
    this.store = store;
    this.retentionSeconds = options.retentionDays * 86_400;
  }

  async lookup(alert: Alert): Promise<HistorySnapshot> {
    const [entityDocs, ruleDoc] = await Promise.all([
      Promise.all(alert.entities.map((e) => this.store.get<SightingDoc>(ENTITY_COLLECTION, e.id))),
      this.store.get<SightingDoc>(RULE_COLLECTION, ruleKeyOf(alert)),
    ]);
    const entities: EntitySighting[] = [];
    for (const doc of entityDocs) {
      if (!doc) continue;
      const prior = priorOf(doc.value, alert.alertId);
      if (prior.count === 0) continue;
      entities.push({
        entityId: doc.id,
        priorAlertCount: prior.count,
        firstSeenAt: prior.firstSeenAt,
        lastSeenAt: prior.lastSeenAt,
        recentAlertIds: prior.recent.slice(0, 10).map((r) => r.alertId),
      });
    }
    const rulePrior = ruleDoc ? priorOf(ruleDoc.value, alert.alertId) : undefined;
    return {
      entities,
      rule:
        ruleDoc && rulePrior && rulePrior.count > 0
          ? { ruleKey: ruleDoc.id, priorAlertCount: rulePrior.count, lastSeenAt: rulePrior.lastSeenAt }
          : undefined,
    };
  }

  async record(alert: Alert, at: Date): Promise<void> {
    const sighting = { alertId: alert.alertId, at: at.toISOString() };
    await Promise.all([
      ...alert.entities.map((e) => this.writer.add(`${ENTITY_COLLECTION}\u0000${e.id}`, sighting)),
      this.writer.add(`${RULE_COLLECTION}\u0000${ruleKeyOf(alert)}`, sighting),
    ]);
  }

  /** Writes every sighting queued for one document in a single read-modify-write. */
  private async flush(docKey: string, sightings: readonly Sighting[]): Promise<void> {
    const [collection, key] = docKey.split('\u0000') as [string, string];
    await updateWithRetry<SightingDoc>(this.store, collection, key, (current) => addSightings(current, key, sightings), {
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
      key,
      count: doc.count + 1,
      firstSeenAt: doc.firstSeenAt < at ? doc.firstSeenAt : at,
      lastSeenAt: doc.lastSeenAt > at ? doc.lastSeenAt : at,
      recent: [{ alertId, at }, ...doc.recent].slice(0, RECENT_LIMIT),
    };
  }
  return doc === current ? undefined : doc;
}
