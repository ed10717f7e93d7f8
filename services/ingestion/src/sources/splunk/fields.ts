import { keyValueRecord } from '../key-values.ts';
import { parseJsonBounded, record, text } from '../values.ts';

/** One Splunk search result row (a notable event, a webhook `result`, an exported row): field name → value(s). */
export type Row = Readonly<Record<string, unknown>>;

// Values Splunk searches and TAs use for "no value"; an entity or a title made of them would be noise.
const PLACEHOLDERS = new Set(['-', 'unknown', 'n/a', 'na', 'null', 'none', '(null)', 'undefined']);

/** Every value of a field: a single value, or each value of a multivalue field; placeholders and blanks dropped. */
export function values(row: Row, key: string): string[] {
  const raw = row[key];
  const all = Array.isArray(raw) ? raw : [raw];
  return all.map(text).filter((v): v is string => v !== undefined && !PLACEHOLDERS.has(v.toLowerCase()));
}

/** The first value of the first field that has one. */
export function first(row: Row, ...keys: string[]): string | undefined {
  for (const key of keys) {
    const v = values(row, key)[0];
    if (v !== undefined) return v;
  }
  return undefined;
}

/**
 * The row's fields over the `key=value` pairs of its `_raw` (a notable's `_raw` carries the correlation search's
 * result fields): the row's own search-time fields win, `_raw` fills what the export left out.
 */
export function withRawFields(row: Row): Row {
  const raw = typeof row._raw === 'string' ? keyValueRecord(row._raw) : {};
  return { ...raw, ...row };
}

/** A nested object given either as an object or as its JSON text (how ES stores `annotations`). */
export function objectOrJson(value: unknown): Record<string, unknown> | undefined {
  if (typeof value !== 'string') return record(value);
  try {
    return record(parseJsonBounded(value));
  } catch {
    return undefined;
  }
}
