import { Entity, type EntityType, MAX_ENTITY_ID_LENGTH, boundedId } from '@soc/contracts';
import { type InternalNetworks, defaultInternalNetworks, valueProblem } from '@soc/guardrails';

/** An entity as a source adapter found it, before canonical ids and de-duplication. */
export type EntityDraft = DistributiveOmit<Entity, 'id' | 'origin'> & { origin?: Entity['origin'] };
/** `Omit` per member of a union, so each entity type keeps its own fields (`hostname`, `upn` …). */
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

/** Canonical value per type, so the same thing named twice (case, trailing dot, brackets) is one entity. */
export function canonicalValue(type: EntityType, value: string): string {
  const v = value.trim();
  switch (type) {
    case 'ip':
      return v.replace(/^\[|\]$/g, '').toLowerCase();
    case 'host':
    case 'domain':
      return v.toLowerCase().replace(/\.$/, '');
    case 'hash':
    case 'mailbox':
    case 'user':
      return v.toLowerCase();
    case 'url':
    case 'file':
    case 'process':
    case 'registry':
    case 'cloud-resource':
      return v;
  }
}

/**
 * True when the address is in the internal ranges (`SOC_INTERNAL_NETWORKS`; default RFC 1918, loopback,
 * link-local, CGNAT, ULA). An entity's `isInternal` is always this, never what the sender said.
 */
export function isInternalIp(address: string, networks: InternalNetworks = defaultInternalNetworks): boolean {
  return networks.has(address);
}

/**
 * The id of an entity: `type:value`, exactly as always for values up to 2048 characters (so history keyed by it
 * continues); a longer value gets a readable head and the hash of the whole value instead of a cut.
 */
function entityIdOf(type: EntityType, canonical: string): string {
  return boundedId(`${type}:`, canonical, MAX_ENTITY_ID_LENGTH);
}

/** The fields the contract knows for each entity type (from its schema, so a field added there is kept here). */
const ENTITY_FIELDS: ReadonlyMap<string, readonly string[]> = new Map(Entity.options.map((o) => [o.shape.type.value, Object.keys(o.shape)]));

/**
 * Only the fields the contract has for the draft's type. A sender's extra fields (the generic format passes an
 * entity's unknown keys through) would otherwise be measured, fingerprinted and fitted at the edge, then stripped
 * by the schema: a large one made the alert's real entities be dropped "to fit", a changed one made a revision.
 */
function knownFields(draft: EntityDraft): EntityDraft {
  const fields = ENTITY_FIELDS.get(draft.type);
  if (fields === undefined) return draft;
  const out: Record<string, unknown> = {};
  for (const key of fields) if ((draft as Record<string, unknown>)[key] !== undefined) out[key] = (draft as Record<string, unknown>)[key];
  return out as EntityDraft;
}

/**
 * Types whose values are validated at the edge: those a runbook or a threat-intel lookup acts on. A mailbox is
 * not: no runbook targets one, and real products name mailboxes by display values (Sentinel's documented
 * incident example says `emailaddress1`), which would otherwise be lost.
 */
const VALIDATED: ReadonlySet<EntityType> = new Set(['ip', 'url', 'domain', 'hash', 'user', 'cloud-resource']);

/** The entities of an alert, and how many of each type were left out because their value is not valid for it. */
export interface CheckedEntities {
  entities: Entity[];
  invalid: Partial<Record<EntityType, number>>;
}

/**
 * Gives every draft its canonical value and id, validates the value for its type (an IP that does not parse, a
 * URL that is not http(s) with a host, a domain or hash of the wrong shape, a UPN that is not an address: left
 * out and counted, never kept under a type it does not have), sets every IP's `isInternal` from `networks`
 * (overriding the sender's flag), and merges duplicates (first one wins, later ones fill gaps).
 */
export function checkEntities(drafts: readonly EntityDraft[], networks: InternalNetworks = defaultInternalNetworks): CheckedEntities {
  const byId = new Map<string, Entity>();
  const invalid: Partial<Record<EntityType, number>> = {};
  for (const draft of drafts) {
    const value = canonicalValue(draft.type, draft.value);
    if (value === '') continue;
    if (VALIDATED.has(draft.type) && valueProblem(draft.type, value, draft.type === 'hash' ? draft.algorithm : undefined) !== undefined) {
      invalid[draft.type] = (invalid[draft.type] ?? 0) + 1;
      continue;
    }
    const id = entityIdOf(draft.type, value);
    const entity = { ...knownFields(draft), value, id, origin: draft.origin ?? 'source' } as Entity;
    if (entity.type === 'ip') entity.isInternal = isInternalIp(value, networks);
    const existing = byId.get(id);
    byId.set(id, existing ? ({ ...entity, ...stripUndefined(existing) } as Entity) : entity);
  }
  return { entities: [...byId.values()], invalid };
}

/** {@link checkEntities}' entities only. */
export function finalizeEntities(drafts: readonly EntityDraft[], networks: InternalNetworks = defaultInternalNetworks): Entity[] {
  return checkEntities(drafts, networks).entities;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
