import type { EntityType } from '@soc/contracts';
import type { TenantGrant } from '@soc/http';
import type { StateStore } from '@soc/state';
import {
  type CaseIndex,
  type EntityHit,
  type EntityIndexDoc,
  INDEXED_TYPES,
  type IndexableEvent,
  type SearchHit,
  type TokenIndexDoc,
  indexEntriesOf,
  indexedAlertIdOf,
  intersectHits,
} from '../case-index.ts';
import type { CaseEventDoc } from '../case-view.ts';
import { entityKey } from '../search-text.ts';

export const ENTITY_INDEX = 'case-entity-index';
export const TOKEN_INDEX = 'case-token-index';
const META = 'case-index-meta';
/** Bumped when what is indexed changes: a deployment without this marker rebuilds from the stored case events. */
export const INDEX_VERSION = 1;
/** Index documents read per term or entity (the state port's largest page); more is reported as `truncated`. */
const READ_LIMIT = 1000;

/** What {@link StateCaseIndex.rebuild} did. */
export interface RebuildReport {
  rebuilt: boolean;
  events: number;
}

/** The case index in the state store: a document per (tenant, entity key, alert) and per (tenant, field, token, alert). */
export class StateCaseIndex implements CaseIndex {
  private readonly store: StateStore;
  private readonly retentionSeconds: number | undefined;
  private readonly receivedAtOf: (alertId: string) => Promise<string | undefined>;

  /** `receivedAtOf` gives a case's receipt time (its summary's), for the notes whose events do not carry it. */
  constructor(store: StateStore, options: { retentionDays?: number; receivedAtOf: (alertId: string) => Promise<string | undefined> }) {
    this.store = store;
    this.retentionSeconds = options.retentionDays ? options.retentionDays * 86_400 : undefined;
    this.receivedAtOf = options.receivedAtOf;
  }

  private ttl(): { ttlSeconds?: number } {
    return this.retentionSeconds ? { ttlSeconds: this.retentionSeconds } : {};
  }

  async indexEvent(event: IndexableEvent): Promise<void> {
    if (!INDEXED_TYPES.has(event.type)) return;
    const alertId = indexedAlertIdOf(event);
    // An arrival carries its receipt; a note is ordered by its case's.
    const receivedAt = event.type === 'soc.alert.received.v1' || alertId === undefined ? undefined : await this.receivedAtOf(alertId);
    const { entities, tokens } = indexEntriesOf(event, receivedAt);
    // Plain puts of derived ids: a redelivery rewrites the same documents (and renews their TTL), nothing more.
    await Promise.all([
      ...entities.map((e) => this.store.put(ENTITY_INDEX, e.id, e.doc, this.ttl())),
      ...tokens.map((t) => this.store.put(TOKEN_INDEX, t.id, t.doc, this.ttl())),
    ]);
  }

  private async perTenant<T>(collection: string, where: Record<string, string>, tenants: TenantGrant): Promise<{ docs: T[]; truncated: boolean }> {
    // One equality query per tenant of the grant (`*`: none); a document of another tenant is never read.
    const pages = await Promise.all(
      (tenants === '*' ? [undefined] : tenants).map((tenantId) =>
        this.store.query<T>(collection, { where: { ...where, ...(tenantId !== undefined ? { tenantId } : {}) }, orderBy: { field: 'caseReceivedAt', direction: 'desc' }, limit: READ_LIMIT }),
      ),
    );
    return { docs: pages.flat().map((d) => d.value), truncated: pages.some((p) => p.length >= READ_LIMIT) };
  }

  async casesWithEntity(query: { type: EntityType; value: string; tenants: TenantGrant; limit: number }): Promise<{ items: EntityHit[]; truncated: boolean }> {
    const { docs, truncated } = await this.perTenant<EntityIndexDoc>(ENTITY_INDEX, { entityKey: entityKey(query.type, query.value) }, query.tenants);
    const items = docs
      .sort((a, b) => (a.caseReceivedAt < b.caseReceivedAt ? 1 : a.caseReceivedAt > b.caseReceivedAt ? -1 : 0))
      .map(({ alertId, tenantId, type, value, origin, caseReceivedAt }) => ({ alertId, tenantId, type, value, origin, receivedAt: caseReceivedAt }));
    return { items: items.slice(0, query.limit), truncated: truncated || items.length > query.limit };
  }

  async search(query: { terms: readonly string[]; tenants: TenantGrant; limit: number }): Promise<{ items: SearchHit[]; truncated: boolean }> {
    const perTerm = await Promise.all(query.terms.map((searchToken) => this.perTenant<TokenIndexDoc>(TOKEN_INDEX, { searchToken }, query.tenants)));
    const hits = intersectHits(perTerm.map((p) => p.docs));
    return { items: hits.slice(0, query.limit), truncated: perTerm.some((p) => p.truncated) || hits.length > query.limit };
  }

  /**
   * Indexes the cases stored before the index existed, once per {@link INDEX_VERSION}: the newest `maxEvents`
   * arrivals, dispositions and notes among the stored case events (the state port reads at most 1,000 per query), then
   * writes the version marker. Idempotent (the documents' ids are derived), so replicas starting together, or a
   * restart half-way, only repeat writes.
   */
  async rebuild(options: { maxEvents?: number } = {}): Promise<RebuildReport> {
    const marker = await this.store.get<{ version: number }>(META, 'version');
    if (marker !== undefined && marker.value.version >= INDEX_VERSION) return { rebuilt: false, events: 0 };
    const limit = Math.min(options.maxEvents ?? READ_LIMIT, READ_LIMIT);
    let events = 0;
    for (const type of INDEXED_TYPES) {
      const docs = await this.store.query<CaseEventDoc>('case-events', { where: { type }, orderBy: { field: 'time', direction: 'desc' }, limit });
      for (const doc of docs) {
        await this.indexEvent({ type: doc.value.type, data: doc.value.data });
        events += 1;
      }
    }
    await this.store.put(META, 'version', { version: INDEX_VERSION, rebuiltEvents: events });
    return { rebuilt: true, events };
  }
}
