import { text, toIso } from '../values.ts';
import type { FieldError } from '../types.ts';
import { SEVERITY_VALUES, readSeverity, type SeverityReading } from './vocabulary.ts';

/** Field reads that record a field error instead of throwing, for one record of a batch. */
export interface RecordScope {
  index: number;
  /** Dotted path of the object being read inside the record (`""` for the record itself, `alerts.2` …). */
  at: string;
  errors: FieldError[];
}

export function pathOf(scope: RecordScope, field: string): string {
  return scope.at === '' ? field : `${scope.at}.${field}`;
}

export function fail(scope: RecordScope, field: string, message: string): void {
  scope.errors.push({ index: scope.index, path: pathOf(scope, field), message });
}

/** A required identifier; missing → a field error naming what the product always sends. */
export function requiredText(
  scope: RecordScope,
  obj: Record<string, unknown>,
  field: string,
  what: string,
): string | undefined {
  const value = text(obj[field]);
  if (value === undefined) fail(scope, field, `Missing ${field}: ${what}`);
  return value;
}

/** An optional timestamp: absent or null is fine, a value that is not a date is an error. */
export function optionalDate(scope: RecordScope, obj: Record<string, unknown>, field: string): string | undefined {
  const raw = obj[field];
  if (raw === undefined || raw === null || raw === '') return undefined;
  const iso = toIso(raw);
  if (iso === undefined)
    fail(
      scope,
      field,
      `${field} is not a date: expected ISO 8601 (e.g. 2021-04-27T12:19:27.7211305Z), got ${JSON.stringify(raw).slice(0, 80)}`,
    );
  return iso;
}

/** A required severity in Microsoft's vocabulary. */
export function requiredSeverity(scope: RecordScope, obj: Record<string, unknown>, field: string): SeverityReading {
  const reading = readSeverity(obj[field]);
  if (reading === undefined) {
    const got = obj[field] === undefined ? 'nothing' : JSON.stringify(obj[field]).slice(0, 80);
    fail(scope, field, `${field} must be ${SEVERITY_VALUES}; got ${got}`);
  }
  return reading;
}

/**
 * An optional list of objects: absent or null is an empty list, an array is itself, and one object is a list of
 * one (collectors that split `/api/alerts` pages deliver a single evidence item that way). Anything else (a
 * string, a number) is an error with the field named.
 */
export function optionalList(scope: RecordScope, obj: Record<string, unknown>, field: string): unknown[] {
  const raw = obj[field];
  if (raw === undefined || raw === null) return [];
  if (Array.isArray(raw)) return raw;
  if (typeof raw === 'object') return [raw];
  fail(scope, field, `${field} must be an array of objects (or one object) as Microsoft sends it; got ${typeof raw}`);
  return [];
}
