import { hash } from 'node:crypto';
import type { AlertInput, AlertRevision } from './alert.ts';

/** JSON with sorted keys and no `undefined`, so equal content always hashes the same whatever order it was built in. */
function canonical(value: unknown): string {
  if (typeof value !== 'object' || value === null) return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) {
    let out = '[';
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonical(value[i]);
    return `${out}]`;
  }
  const record = value as Record<string, unknown>;
  let out = '{';
  let first = true;
  // Keys are plain property names, so the default (UTF-16 code unit) sort is deterministic.
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (v === undefined) continue;
    out += `${first ? '' : ','}${JSON.stringify(key)}:${canonical(v)}`;
    first = false;
  }
  return `${out}}`;
}

/** What of an alert a revision key covers (an alert before or after the schema's defaults). */
export type RevisionContent = Pick<AlertInput, 'title' | 'description' | 'severity' | 'status' | 'rule' | 'attack' | 'entities' | 'sourceEvents'>;

/**
 * The revision key of an alert: `rev-` + a hash of what matters for triage — title, description, severity, status,
 * rule, ATT&CK references, the entities with every evidence field (order-insensitive) and the source events. Bookkeeping is left out
 * so it never makes a revision: times (detected, first/last seen, modified: a re-send that only touched them is the
 * same alert), labels/tags (analysts, automation and SOC Copilot's own write-backs add tags; a write-back must never
 * come back as a change), the deep link, product names, the raw payload reference, and whatever the normalised
 * alert has no field for (owner, assignee, comments, classification). Pure.
 */
export function alertRevisionKey(alert: RevisionContent): string {
  const entities = (alert.entities ?? [])
    .map((e) => canonical({ ...e, origin: e.origin ?? 'source' }))
    .sort();
  const attack = (alert.attack ?? []).map(canonical).sort();
  const content = canonical({
    title: alert.title,
    description: alert.description ?? '',
    severity: alert.severity,
    status: alert.status ?? 'new',
    rule: alert.rule ?? null,
    attack,
    entities,
    // Only when present, so an alert without source events keeps the key it had before they existed.
    ...((alert.sourceEvents ?? []).length > 0 ? { sourceEvents: (alert.sourceEvents ?? []).map(canonical) } : {}),
  });
  return `rev-${hash('sha256', content, 'hex').slice(0, 32)}`;
}

/**
 * The revision of an alert received at `receivedAt`: its key, the source's own time of this version (modified time,
 * else last-seen time) and the receipt time. Pure.
 */
export function alertRevisionOf(alert: RevisionContent & Pick<AlertInput, 'modifiedAt' | 'lastSeenAt'>, receivedAt: Date): AlertRevision {
  const at = alert.modifiedAt ?? alert.lastSeenAt;
  return { key: alertRevisionKey(alert), ...(at === undefined ? {} : { at }), receivedAt: receivedAt.toISOString() };
}

/**
 * Orders two revisions of one alert, newest first (negative when `a` is newer): by the source's own times when both
 * have one and they differ, else by receipt time, else by key (any two replicas agree). An older revision delivered
 * after a newer one (a retry, a slow partition) therefore never replaces the newer one as the case's current view.
 */
export function compareRevisions(a: AlertRevision, b: AlertRevision): number {
  if (a.at !== undefined && b.at !== undefined) {
    const bySource = Date.parse(b.at) - Date.parse(a.at);
    if (bySource !== 0) return bySource;
  }
  const byReceipt = Date.parse(b.receivedAt) - Date.parse(a.receivedAt);
  if (byReceipt !== 0) return byReceipt;
  return a.key < b.key ? 1 : a.key > b.key ? -1 : 0;
}

/** How SOC Copilot's classification write-back ends the comment it closes an incident with (ADR 0009). */
const OWN_CLOSURE = /^SOC Copilot disposition: [^\n]{0,1000} Status before closing: ([A-Za-z]{1,20})\.$/;

/**
 * The closing comment SOC Copilot writes when it closes an incident on an analyst's disposition: `text` (which must
 * start `SOC Copilot disposition: `) and the status the incident had before, so that a source re-sending the closed
 * incident can be read with that status and keep its revision: our own write-back never comes back as a change. Pure.
 */
export function ownClosureComment(text: string, statusBefore: string): string {
  return `${text.replace(/\s+/g, ' ')} Status before closing: ${statusBefore}.`;
}

/**
 * The status an incident had before SOC Copilot closed it, when `comment` (the incident's classification comment) is
 * SOC Copilot's own closing comment ({@link ownClosureComment}); undefined for any other comment. Pure.
 */
export function statusBeforeOwnClosure(comment: unknown): string | undefined {
  return typeof comment === 'string' ? OWN_CLOSURE.exec(comment)?.[1] : undefined;
}
