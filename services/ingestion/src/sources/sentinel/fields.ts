import type { AlertStatus, AttackRef, Severity } from '@soc/contracts';
import { fieldsIgnoringCase } from '@soc/sigma';
import { list, parseJsonBounded, record, text } from '../values.ts';

/**
 * Field access that ignores case: Sentinel names the same field `HostName` in SecurityAlert rows and
 * `hostName` in the REST/incident payloads, and the alert trigger body uses yet other casings.
 */
export interface Fields {
  /** The first field present (not undefined/null) among `names`. */
  get(...names: string[]): unknown;
  /** The first non-empty text among `names`. */
  text(...names: string[]): string | undefined;
}

export function fieldsOf(obj: Record<string, unknown>): Fields {
  return fieldsIgnoringCase(obj);
}

const SEVERITY = new Map<string, Severity>([
  ['informational', 'informational'],
  ['low', 'low'],
  ['medium', 'medium'],
  ['high', 'high'],
]);

/** Sentinel severities (alerts and incidents): Informational, Low, Medium, High. */
export function severityOf(value: unknown): Severity | undefined {
  const t = text(value);
  return t === undefined ? undefined : SEVERITY.get(t.toLowerCase());
}

export const SEVERITY_EXPECTED = 'expected one of Informational, Low, Medium, High';

// SecurityAlert Status (and the alert `status` in REST): Dismissed means "closed as not malicious".
const ALERT_STATUS = new Map<string, AlertStatus>([
  ['new', 'new'],
  ['inprogress', 'in_progress'],
  ['resolved', 'resolved'],
  ['dismissed', 'suppressed'],
  ['unknown', 'unknown'],
]);

// Incident status: New, Active, Closed.
const INCIDENT_STATUS = new Map<string, AlertStatus>([
  ['new', 'new'],
  ['active', 'in_progress'],
  ['closed', 'resolved'],
]);

export function alertStatusOf(value: unknown): AlertStatus | undefined {
  const t = text(value);
  return t === undefined ? undefined : ALERT_STATUS.get(t.toLowerCase().replace(/[\s_-]/g, ''));
}

export function incidentStatusOf(value: unknown): AlertStatus | undefined {
  const t = text(value);
  return t === undefined ? undefined : INCIDENT_STATUS.get(t.toLowerCase());
}

export type Decoded = { ok: true; value: unknown } | { ok: false; message: string };

/**
 * Log Analytics stores dynamic columns (`Entities`, `ExtendedProperties`, `Techniques` …) as JSON text; data
 * export and the REST API send them as text too, while some tools decode them first. Accept both.
 */
export function decodeJson(value: unknown): Decoded {
  if (typeof value !== 'string') return { ok: true, value };
  const s = value.trim();
  if (s === '' || s === 'null') return { ok: true, value: undefined };
  if (!s.startsWith('[') && !s.startsWith('{')) return { ok: true, value };
  try {
    return { ok: true, value: parseJsonBounded(s) };
  } catch (error) {
    return { ok: false, message: `is not valid JSON (${(error as Error).message})` };
  }
}

/** Strings from an array, a JSON array in text, or a comma-separated text (`"InitialAccess, Persistence"`). */
export function stringList(value: unknown): string[] {
  const decoded = decodeJson(value);
  const v = decoded.ok ? decoded.value : value;
  const items = Array.isArray(v) ? v : typeof v === 'string' ? v.split(',') : [];
  return items.map((item) => text(item)).filter((t): t is string => t !== undefined);
}

/** Tactics and techniques as the product names them; techniques are not paired with tactics (Sentinel does not). */
export function attackRefs(tactics: unknown, ...techniqueLists: unknown[]): AttackRef[] {
  const refs: AttackRef[] = stringList(tactics)
    .filter((t) => t.toLowerCase() !== 'unknown')
    .map((tactic) => ({ tactic }));
  for (const techniques of techniqueLists) {
    for (const t of stringList(techniques)) refs.push({ techniqueId: t.toUpperCase() });
  }
  return refs;
}

/** Labels given as strings or as `{labelName}` objects (incident labels). */
export function labelNames(value: unknown): string[] {
  return list(value)
    .map((l) => text(l) ?? text(record(l)?.['labelName']))
    .filter((t): t is string => t !== undefined);
}
