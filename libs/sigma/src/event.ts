/** One value of an event field, in the forms matchers compare: as written, lower-cased and as a number. */
export interface FieldValue {
  readonly text: string;
  readonly lower: string;
  readonly num: number | undefined;
}

/**
 * An event prepared once for matching against many rules. Field names are looked up case-insensitively
 * (`commandline` finds `CommandLine`), and nested objects are reachable by their dotted path
 * (`userIdentity.arn`), because Sigma's taxonomy writes both. A field holding `null` is present but null;
 * an array field matches when any element does.
 */
export interface EventView {
  /** The field's values; `null` when the field holds null; `undefined` when the event has no such field. */
  get(lowerName: string): readonly FieldValue[] | null | undefined;
  /** Every scalar value of the event, for keyword (full-text) search. */
  readonly all: readonly FieldValue[];
}

/** Prepares an event (a flat or nested object of field names → values) for matching. */
export function viewOf(event: Readonly<Record<string, unknown>>): EventView {
  const fields = new Map<string, FieldValue[] | null>();
  const all: FieldValue[] = [];
  const put = (name: string, value: unknown): void => {
    const key = name.toLowerCase();
    if (value === null || value === undefined) {
      if (!fields.has(key)) fields.set(key, null);
      return;
    }
    if (Array.isArray(value)) {
      for (const item of value) put(name, item);
      if (value.length === 0 && !fields.has(key)) fields.set(key, []);
      return;
    }
    if (typeof value === 'object') {
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) put(`${name}.${k}`, v);
      return;
    }
    const fv = fieldValue(value);
    if (fv === undefined) return;
    const existing = fields.get(key);
    if (existing) existing.push(fv);
    else fields.set(key, [fv]);
    all.push(fv);
  };
  for (const [k, v] of Object.entries(event)) put(k, v);
  return { get: (lowerName) => fields.get(lowerName), all };
}

function fieldValue(value: unknown): FieldValue | undefined {
  if (typeof value === 'string') {
    const trimmed = value.trim();
    const num = trimmed !== '' && Number.isFinite(Number(trimmed)) ? Number(trimmed) : undefined;
    return { text: value, lower: value.toLowerCase(), num };
  }
  if (typeof value === 'number' || typeof value === 'bigint') {
    const text = String(value);
    return { text, lower: text, num: Number(value) };
  }
  if (typeof value === 'boolean') {
    const text = String(value);
    return { text, lower: text, num: undefined };
  }
  return undefined;
}
