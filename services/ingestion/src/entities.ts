import { isIP } from 'node:net';
import { Entity, type EntityType, MAX_ENTITY_ID_LENGTH, boundedId } from '@soc/contracts';

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

const V4_INTERNAL = [
  /^10\./,
  /^127\./,
  /^169\.254\./,
  /^192\.168\./,
  /^172\.(1[6-9]|2\d|3[01])\./,
  /^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./, // carrier-grade NAT
  /^0\./,
];

/** RFC 1918, loopback, link-local, CGNAT, ULA and IPv6 loopback/link-local addresses are internal. */
export function isInternalIp(address: string): boolean {
  const kind = isIP(address);
  if (kind === 4) return V4_INTERNAL.some((re) => re.test(address));
  if (kind === 6) {
    const a = address.toLowerCase();
    return a === '::1' || a.startsWith('fe80:') || a.startsWith('fc') || a.startsWith('fd');
  }
  return false;
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

/** Gives every draft its canonical value and id, classifies IPs, and merges duplicates (first one wins, later ones fill gaps). */
export function finalizeEntities(drafts: readonly EntityDraft[]): Entity[] {
  const byId = new Map<string, Entity>();
  for (const draft of drafts) {
    const value = canonicalValue(draft.type, draft.value);
    if (value === '') continue;
    const id = entityIdOf(draft.type, value);
    const entity = { ...knownFields(draft), value, id, origin: draft.origin ?? 'source' } as Entity;
    if (entity.type === 'ip' && entity.isInternal === undefined) entity.isInternal = isInternalIp(value);
    const existing = byId.get(id);
    byId.set(id, existing ? ({ ...entity, ...stripUndefined(existing) } as Entity) : entity);
  }
  return [...byId.values()];
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
