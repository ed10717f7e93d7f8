import { list, record, text } from '../values.ts';
import { type Fields, fieldsOf } from './fields.ts';

/**
 * One Sentinel entity, whichever payload it came from, with its links to other entities resolved.
 * `kind` is the entity type lower-cased without separators (`registry-value` and `RegistryValue` are both
 * `registryvalue`), so one mapper serves SecurityAlert `Entities` and incident `relatedEntities`.
 */
export interface EntityNode {
  readonly kind: string;
  readonly fields: Fields;
  /** The entity a field links to: a nested object or `$ref` in SecurityAlert, an `…EntityId` in REST. */
  link(alertField: string, restField: string): EntityNode | undefined;
  /** The entities a list field links to (`FileHashes` / `fileHashEntityIds` …). */
  links(alertField: string, restField: string): EntityNode[];
}

export function normalizeKind(kind: string): string {
  return kind.toLowerCase().replace(/[-_\s]/g, '');
}

// Real graphs nest a few levels (process → parent process → image file → hashes); a cap keeps a hostile
// payload from exhausting the stack.
const MAX_DEPTH = 32;

function isEntityLike(o: Record<string, unknown>): boolean {
  return '$ref' in o || '$id' in o || typeof o['Type'] === 'string';
}

function children(o: Record<string, unknown>): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (const v of Object.values(o)) {
    for (const item of Array.isArray(v) ? v : [v]) {
      const r = record(item);
      if (r && isEntityLike(r)) out.push(r);
    }
  }
  return out;
}

/**
 * The SecurityAlert `Entities` graph (Json.NET preserve-references): each entity has a `$id`, and entities
 * refer to each other inline or by `{"$ref": "<id>"}` (a process's `Host`, `Account`, `ImageFile`,
 * `ParentProcess`; a file's `FileHashes` …). Returns every entity once, in the order the product names them
 * (depth first), nested ones included.
 */
export function alertEntityNodes(entities: readonly unknown[]): EntityNode[] {
  const byId = new Map<string, Record<string, unknown>>();
  const register = (o: Record<string, unknown>, seen: Set<object>, depth: number): void => {
    if (seen.has(o) || depth > MAX_DEPTH) return;
    seen.add(o);
    const id = text(o['$id']);
    if (id !== undefined && !byId.has(id)) byId.set(id, o);
    for (const child of children(o)) register(child, seen, depth + 1);
  };
  const registered = new Set<object>();
  for (const e of entities) {
    const r = record(e);
    if (r) register(r, registered, 0);
  }

  // A `$ref` points at the registered object; an inline copy carrying a known `$id` is the same entity.
  const resolve = (o: Record<string, unknown>): Record<string, unknown> | undefined => {
    const ref = text(o['$ref']);
    if (ref !== undefined) return byId.get(ref);
    const id = text(o['$id']);
    return id === undefined ? o : (byId.get(id) ?? o);
  };

  const nodes = new Map<Record<string, unknown>, EntityNode>();
  const nodeOf = (raw: unknown): EntityNode | undefined => {
    const r = record(raw);
    const o = r && resolve(r);
    if (!o || typeof o['Type'] !== 'string') return undefined;
    const existing = nodes.get(o);
    if (existing) return existing;
    const fields = fieldsOf(o);
    const node: EntityNode = {
      kind: normalizeKind(o['Type']),
      fields,
      link: (alertField) => nodeOf(fields.get(alertField)),
      links: (alertField) =>
        list(fields.get(alertField))
          .map((item) => nodeOf(item))
          .filter((n): n is EntityNode => n !== undefined),
    };
    nodes.set(o, node);
    return node;
  };

  const ordered: EntityNode[] = [];
  const visited = new Set<object>();
  const visit = (raw: Record<string, unknown>, depth: number): void => {
    const o = resolve(raw);
    if (!o || visited.has(o) || depth > MAX_DEPTH) return;
    visited.add(o);
    const node = nodeOf(o);
    if (node) ordered.push(node);
    for (const child of children(o)) visit(child, depth + 1);
  };
  for (const e of entities) {
    const r = record(e);
    if (r) visit(r, 0);
  }
  return ordered;
}

/**
 * Incident `relatedEntities` (REST/ARM shape `{id, name, kind, properties}`): links are `…EntityId` fields
 * holding another entity's id or name.
 */
export function restEntityNodes(entities: readonly unknown[]): EntityNode[] {
  const items = entities
    .map((e) => record(e))
    .filter((e): e is Record<string, unknown> => e !== undefined && text(e['kind']) !== undefined);
  const byKey = new Map<string, Record<string, unknown>>();
  for (const e of items) {
    for (const key of [text(e['id']), text(e['name']), text(e['id'])?.split('/').pop()]) {
      if (key !== undefined && !byKey.has(key.toLowerCase())) byKey.set(key.toLowerCase(), e);
    }
  }
  const nodes = new Map<Record<string, unknown>, EntityNode>();
  const nodeOf = (e: Record<string, unknown> | undefined): EntityNode | undefined => {
    if (!e) return undefined;
    const existing = nodes.get(e);
    if (existing) return existing;
    const fields = fieldsOf(record(e['properties']) ?? {});
    const find = (id: unknown): EntityNode | undefined => {
      const key = text(id)?.toLowerCase();
      return key === undefined ? undefined : nodeOf(byKey.get(key));
    };
    // The 2019 preview API named the links `imageFileId` …, later ones `imageFileEntityId` ….
    const linked = (restField: string): unknown => fields.get(restField, restField.replace(/EntityId(s?)$/, 'Id$1'));
    const node: EntityNode = {
      kind: normalizeKind(text(e['kind']) ?? ''),
      fields,
      link: (_alertField, restField) => find(linked(restField)),
      links: (_alertField, restField) =>
        list(linked(restField))
          .map((id) => find(id))
          .filter((n): n is EntityNode => n !== undefined),
    };
    nodes.set(e, node);
    return node;
  };
  return items.map((e) => nodeOf(e)).filter((n): n is EntityNode => n !== undefined);
}

/** Entities in either shape: REST entities carry `kind`, SecurityAlert entities carry `Type`. */
export function anyEntityNodes(entities: readonly unknown[]): EntityNode[] {
  const rest = entities.some((e) => text(record(e)?.['kind']) !== undefined);
  return rest ? restEntityNodes(entities) : alertEntityNodes(entities);
}
