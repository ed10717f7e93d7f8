import { hash } from 'node:crypto';

/** Formats the first 128 bits of a SHA-256 as a UUID-shaped string (deterministic, not random). */
function hashToUuid(input: string): string {
  // One-shot `hash` is several times cheaper than createHash().update().digest() for short inputs (hot path).
  const h = hash('sha256', input, 'hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * The id of an event caused by another: the same cause, type and key always give the same id,
 * so a redelivered cause republishes identical events and the bus drops the duplicates.
 */
export function deriveEventId(causeId: string, type: string, key = ''): string {
  return hashToUuid(`${causeId}\u0000${type}\u0000${key}`);
}

/**
 * The alert id of a sender's alert: tenant, source, the sender's stable principal name and the vendor id. A re-sent
 * alert keeps its id (a changed one becomes a new revision of it, see `alertRevisionKey`); the sender is part of it
 * so one sender can never pre-empt or overwrite another's ids. `senderName` is the credential's configured name
 * (never its secret, which rotates) or, for Event Hubs, the stream (`eventhubs:<hub>`, without the partition).
 */
export function deriveAlertId(tenantId: string, source: string, vendorAlertId: string, senderName: string): string {
  return `alt-${hashToUuid(`${tenantId}\u0000${source}\u0000${senderName}\u0000${vendorAlertId}`)}`;
}

const BOUNDED_FORM = /…[0-9a-f]{40}$/;

/** Longest id a fact, factor or action may carry (the contracts' `id` limits). */
export const MAX_ID_LENGTH = 256;

/**
 * An id built from a prefix and a value that came from outside (an entity id, a rule name, a tenant), bounded by
 * construction: while `prefix + value` fits `max` characters it is exactly that (so ids of short values stay what
 * they always were — history keyed by them continues); a longer value keeps a readable head and is replaced past
 * it by `…` and the SHA-256 of the whole value, so distinct values keep distinct ids. The full value belongs in
 * the document the id names, never only in the id.
 */
export function boundedId(prefix: string, value: string, max: number = MAX_ID_LENGTH): string {
  const whole = `${prefix}${value}`;
  // A short value that merely looks like a bounded one (`head…<40 hex>`) is bounded too, so an attacker cannot
  // write the id another, long value gets and have the two merge.
  if (whole.length <= max && !BOUNDED_FORM.test(value)) return whole;
  const digest = `…${hash('sha256', value, 'hex').slice(0, 40)}`;
  const room = max - prefix.length - digest.length;
  if (room < 0) throw new RangeError(`boundedId: the prefix leaves no room within ${max} characters`);
  let head = value.slice(0, room);
  // Never end the readable head on half a surrogate pair.
  const last = head.charCodeAt(head.length - 1);
  if (last >= 0xd800 && last <= 0xdbff) head = head.slice(0, -1);
  return `${prefix}${head}${digest}`;
}

/** A stable key for anything derived from several parts (action ids, idempotency keys). */
export function deriveKey(...parts: readonly string[]): string {
  return hashToUuid(parts.join('\u0000'));
}

const GROUP_ENTITY_TYPES = new Set(['host', 'user', 'ip', 'hash', 'domain', 'url', 'mailbox']);

/**
 * The case group of an alert: tenant, source, detection rule and the key entities the source named. A storm of
 * near-identical alerts (same rule, same host and account, new ids and times) is one group — one case with a
 * count, one LLM call. Text the attacker controls (title when a rule is known, description) is not part of it.
 */
/** What {@link caseGroupKey} reads of an alert. */
export interface CaseGroupInput {
  tenantId: string;
  source: { name: string };
  rule?: { id?: string; name?: string } | undefined;
  title: string;
  entities: readonly { id: string; type: string; origin?: string }[];
}

export function caseGroupKey(alert: CaseGroupInput): string {
  const rule = (alert.rule?.id ?? alert.rule?.name ?? alert.title).toLowerCase();
  const entities = alert.entities
    .filter((e) => e.origin === 'source' && GROUP_ENTITY_TYPES.has(e.type))
    .map((e) => e.id)
    .sort()
    .slice(0, 20);
  return `grp-${hash('sha256', JSON.stringify([alert.tenantId, alert.source.name, rule, entities]), 'hex').slice(0, 32)}`;
}

/**
 * The case group of a dispositioned alert, from what `soc.alert.dispositioned.v1` carries: the same key as
 * {@link caseGroupKey} of the alert (tenant, source, rule, and the source-named entity ids `<type>:<value>`).
 */
export function caseGroupKeyOfDisposition(d: { tenantId: string; rule: { source: string; id?: string; name?: string; title: string }; entityIds: readonly string[] }): string {
  return caseGroupKey({
    tenantId: d.tenantId,
    source: { name: d.rule.source },
    rule: { ...(d.rule.id !== undefined ? { id: d.rule.id } : {}), ...(d.rule.name !== undefined ? { name: d.rule.name } : {}) },
    title: d.rule.title,
    entities: d.entityIds.map((id) => ({ id, type: id.slice(0, Math.max(0, id.indexOf(':'))), origin: 'source' })),
  });
}
