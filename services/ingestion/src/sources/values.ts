/** Small, total conversions source parsers share: they never throw and return `undefined` for "not there". */

/** A non-empty trimmed string, or undefined (numbers and booleans are stringified). */
export function text(value: unknown): string | undefined {
  if (typeof value === 'string') {
    const t = value.trim();
    return t === '' ? undefined : t;
  }
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  if (typeof value === 'boolean') return String(value);
  return undefined;
}

/**
 * How deep arrays and objects may nest in a body or in JSON embedded in one of its fields. Real alerts of every
 * source nest under 20 levels; attacker-written bodies nested thousands deep overflowed recursive walks (a 500).
 */
export const MAX_NESTING = 64;

/** True when `value` nests arrays and objects more than `max` levels deep. Iterative, so any depth is safe to ask. */
export function nestedDeeperThan(value: unknown, max: number = MAX_NESTING): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  for (let next = stack.pop(); next !== undefined; next = stack.pop()) {
    const [v, depth] = next;
    if (typeof v !== 'object' || v === null) continue;
    if (depth >= max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v)) if (typeof child === 'object' && child !== null) stack.push([child, depth + 1]);
  }
  return false;
}

/** Thrown by {@link parseJsonBounded} for JSON nested more than {@link MAX_NESTING} levels. */
export class NestingTooDeep extends Error {
  constructor() {
    super(`nested more than ${MAX_NESTING} levels deep`);
    this.name = 'NestingTooDeep';
  }
}

/** `JSON.parse` for JSON text inside a body (a field, a line): throws like it, also for text nested too deeply. */
export function parseJsonBounded(text: string): unknown {
  const value: unknown = JSON.parse(text);
  if (nestedDeeperThan(value)) throw new NestingTooDeep();
  return value;
}

/** A plain object (not an array, not null), or undefined. */
export function record(value: unknown): Record<string, unknown> | undefined {
  return typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
}

/**
 * A list field as collectors deliver it: an array as is, absent or null as empty, and any other single value as a
 * one-item list. Collectors that split API pages or convert XML to JSON (Logstash `split`, Cribl, xml2js) turn a
 * one-element array into the element itself; reading that as "no items" would silently drop evidence.
 */
export function list(value: unknown): unknown[] {
  if (Array.isArray(value)) return value;
  return value === undefined || value === null ? [] : [value];
}

const LA_EXPORT = /^(\d{1,2})\/(\d{1,2})\/(\d{4}),? (\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))? ?(AM|PM)?$/i;

/**
 * An ISO 8601 instant with offset from the forms alert sources use: ISO strings (offset or `Z`; a bare one is
 * taken as UTC, as Log Analytics and Splunk export them), epoch seconds or milliseconds (number or numeric
 * string), and the Log Analytics portal export `11/27/2020, 10:09:35.587 PM` (UTC). Undefined when unparseable.
 */
export function toIso(value: unknown): string | undefined {
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? undefined : value.toISOString();
  if (typeof value === 'number' || (typeof value === 'string' && /^\d{9,13}(\.\d+)?$/.test(value.trim()))) {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) return undefined;
    const ms = n < 1e11 ? n * 1000 : n;
    const d = new Date(ms);
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  if (typeof value !== 'string') return undefined;
  const s = value.trim();
  if (s === '') return undefined;
  const la = LA_EXPORT.exec(s);
  if (la) {
    const [, mo, dd, yyyy, hh, mi, ss, frac, ampm] = la;
    let hour = Number(hh);
    if (ampm?.toUpperCase() === 'PM' && hour < 12) hour += 12;
    if (ampm?.toUpperCase() === 'AM' && hour === 12) hour = 0;
    const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
    const d = new Date(Date.UTC(Number(yyyy), Number(mo) - 1, Number(dd), hour, Number(mi), Number(ss), ms));
    return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
  }
  // ISO without an offset: read as UTC rather than as this machine's local time.
  const isoNoZone = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(s);
  const d = new Date(isoNoZone ? `${s.replace(' ', 'T')}Z` : s);
  if (Number.isNaN(d.getTime())) return undefined;
  const year = d.getUTCFullYear();
  return year < 1970 || year > 9999 ? undefined : d.toISOString();
}

/** A process id from decimal text or `0x` hex (Windows Security events and Sentinel write them in hex). */
export function processId(value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = /^0x[0-9a-f]+$/i.test(value) ? Number.parseInt(value, 16) : /^\d+$/.test(value) ? Number(value) : Number.NaN;
  return Number.isSafeInteger(n) ? n : undefined;
}

/** JSON with sorted keys, so the same row hashes the same whatever order the sender wrote its fields in. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
