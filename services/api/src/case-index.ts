import { type Alert, CaseNoteAddedV1, type EntityType, deriveKey } from '@soc/contracts';
import type { TenantGrant } from '@soc/http';
import { entityKey, indexTokens } from './search-text.ts';

/** The event types whose text or entities are indexed; every other event costs the index nothing. */
export const NOTE_ADDED_TYPE = CaseNoteAddedV1.type;
export const INDEXED_TYPES: ReadonlySet<string> = new Set(['soc.alert.received.v1', 'soc.alert.dispositioned.v1', NOTE_ADDED_TYPE]);

/** Entities indexed per alert (an alert carries at most 500; the pivot covers its first 100). */
export const MAX_ENTITIES_PER_ALERT = 100;
/** Longest entity value kept in an index document for display (the key covers the whole value). */
export const MAX_SHOWN_VALUE_LENGTH = 512;

/** A searchable field of a case. */
export type SearchField = 'title' | 'note';

/** The data of `soc.case.note-added.v1` (the contract's: one owner of the note's shape). */
export const NoteAddedData = CaseNoteAddedV1.data;

/** One entity of one alert of one tenant: "all cases with this IP" is an equality query on `tenantId` and `entityKey`. */
export interface EntityIndexDoc {
  tenantId: string;
  entityKey: string;
  alertId: string;
  type: EntityType;
  /** The entity's value as the alert gave it (cut for display past {@link MAX_SHOWN_VALUE_LENGTH}; the key is of the whole). */
  value: string;
  /** `source` when the source product named it in any entity of the alert with this key, else `extracted` (from free text). */
  origin: 'source' | 'extracted';
  /** The case's receipt, what results are ordered by (not `receivedAt`: SQLite would then scan that field's index instead of the key's). */
  caseReceivedAt: string;
}

/** One token of one field of one alert of one tenant: a search term is an equality query on `tenantId` and `searchToken`. */
export interface TokenIndexDoc {
  tenantId: string;
  searchToken: string;
  alertId: string;
  field: SearchField;
  /** The case's receipt (see {@link EntityIndexDoc.caseReceivedAt}). */
  caseReceivedAt: string;
}

/** The index documents one event gives, with their ids (derived, so a redelivery writes the same documents). */
export interface IndexEntries {
  entities: { id: string; doc: EntityIndexDoc }[];
  tokens: { id: string; doc: TokenIndexDoc }[];
}

/** An event as the projector receives it or the case view stored it: type, tenant and data are what matter. */
export interface IndexableEvent {
  type: string;
  data: unknown;
}

const NONE: IndexEntries = { entities: [], tokens: [] };

const tokenEntries = (tenantId: string, alertId: string, field: SearchField, text: string, receivedAt: string): IndexEntries['tokens'] =>
  indexTokens(text).map((searchToken) => ({
    id: deriveKey('case-token', tenantId, field, searchToken, alertId),
    doc: { tenantId, searchToken, alertId, field, caseReceivedAt: receivedAt },
  }));

function alertEntries(alert: Alert, receivedAt: string): IndexEntries {
  const byKey = new Map<string, EntityIndexDoc>();
  for (const entity of alert.entities.slice(0, MAX_ENTITIES_PER_ALERT)) {
    const key = entityKey(entity.type, entity.value);
    const origin = entity.origin === 'extracted' ? 'extracted' : 'source';
    const held = byKey.get(key);
    if (held) {
      // Two entities that canonicalise alike: the source's naming wins over extraction.
      if (origin === 'source') held.origin = 'source';
      continue;
    }
    byKey.set(key, { tenantId: alert.tenantId, entityKey: key, alertId: alert.alertId, type: entity.type, value: entity.value.slice(0, MAX_SHOWN_VALUE_LENGTH), origin, caseReceivedAt: receivedAt });
  }
  return {
    entities: [...byKey.values()].map((doc) => ({ id: deriveKey('case-entity', doc.tenantId, doc.entityKey, doc.alertId), doc })),
    tokens: tokenEntries(alert.tenantId, alert.alertId, 'title', alert.title, receivedAt),
  };
}

/**
 * The index documents of an event (pure): an alert's arrival indexes its entities and its title, a disposition its
 * note, a case note its text; any other event nothing. `receivedAt` is the case's receipt (what results are ordered
 * by; a note's event does not carry it). Bounded: at most {@link MAX_ENTITIES_PER_ALERT} entities and
 * `MAX_TOKENS_PER_FIELD` tokens per field.
 */
export function indexEntriesOf(event: IndexableEvent, receivedAt: string | undefined): IndexEntries {
  const data = event.data as Record<string, unknown> | null;
  if (data === null || typeof data !== 'object') return NONE;
  switch (event.type) {
    case 'soc.alert.received.v1': {
      const { alert, receivedAt: at } = data as { alert: Alert; receivedAt: string };
      return alertEntries(alert, receivedAt ?? at);
    }
    case 'soc.alert.dispositioned.v1': {
      const { alertId, tenantId, note, at } = data as { alertId: string; tenantId: string; note?: string; at: string };
      return note ? { entities: [], tokens: tokenEntries(tenantId, alertId, 'note', note, receivedAt ?? at) } : NONE;
    }
    case NOTE_ADDED_TYPE: {
      const parsed = NoteAddedData.safeParse(data);
      if (!parsed.success) return NONE;
      const { alertId, tenantId, text, at } = parsed.data;
      return { entities: [], tokens: tokenEntries(tenantId, alertId, 'note', text, receivedAt ?? at) };
    }
    default:
      return NONE;
  }
}

/** The alert id an indexed event is about (the receipt time of its case is looked up by it). */
export function indexedAlertIdOf(event: IndexableEvent): string | undefined {
  const data = event.data as { alert?: { alertId?: unknown }; alertId?: unknown } | null;
  const id = data?.alert?.alertId ?? data?.alertId;
  return typeof id === 'string' ? id : undefined;
}

/** A case that holds an entity, as the pivot finds it. */
export interface EntityHit {
  alertId: string;
  tenantId: string;
  type: EntityType;
  value: string;
  origin: 'source' | 'extracted';
  receivedAt: string;
}

/** A case every term of a search matched, with the fields they matched in. */
export interface SearchHit {
  alertId: string;
  tenantId: string;
  receivedAt: string;
  matched: SearchField[];
}

/**
 * Pivot and search within a tenant: the case view's index of entities and searchable text. Every query is per tenant
 * (`*` reads them all); `truncated` says that a term or an entity matched more index documents than one query reads.
 */
export interface CaseIndex {
  /** Indexes an event of a case (a no-op for the types it does not index); repeating it writes the same documents. */
  indexEvent(event: IndexableEvent): Promise<void>;
  /** The cases of `tenants` that hold the entity, newest receipt first. */
  casesWithEntity(query: { type: EntityType; value: string; tenants: TenantGrant; limit: number }): Promise<{ items: EntityHit[]; truncated: boolean }>;
  /** The cases of `tenants` whose indexed text holds every term, newest receipt first. */
  search(query: { terms: readonly string[]; tenants: TenantGrant; limit: number }): Promise<{ items: SearchHit[]; truncated: boolean }>;
}

/**
 * The cases every term matched (pure): the intersection of the per-term hits by tenant and alert, with the fields any
 * term matched in, newest receipt first.
 */
export function intersectHits(perTerm: readonly (readonly TokenIndexDoc[])[]): SearchHit[] {
  if (perTerm.length === 0) return [];
  const caseOf = (d: TokenIndexDoc) => `${d.tenantId}\u0000${d.alertId}`;
  const merged = new Map<string, SearchHit>();
  for (const d of perTerm[0] ?? []) {
    const hit = merged.get(caseOf(d)) ?? { alertId: d.alertId, tenantId: d.tenantId, receivedAt: d.caseReceivedAt, matched: [] };
    if (!hit.matched.includes(d.field)) hit.matched.push(d.field);
    merged.set(caseOf(d), hit);
  }
  for (const docs of perTerm.slice(1)) {
    const here = new Map<string, TokenIndexDoc[]>();
    for (const d of docs) here.set(caseOf(d), [...(here.get(caseOf(d)) ?? []), d]);
    for (const [key, hit] of merged) {
      const found = here.get(key);
      if (!found) merged.delete(key);
      else for (const d of found) if (!hit.matched.includes(d.field)) hit.matched.push(d.field);
    }
  }
  return [...merged.values()]
    .map((h) => ({ ...h, matched: [...h.matched].sort() }))
    .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : a.alertId < b.alertId ? -1 : 1));
}
