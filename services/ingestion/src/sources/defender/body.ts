import { record } from '../values.ts';

/**
 * The records of a Defender request body, each with its JSON pointer: one object, an array, a Graph list
 * response `{"value":[…]}`, an Event Hubs batch `{"records":[…]}`, or an array of such lists (what an Event Hubs
 * triggered function receives when it gets several messages at once).
 */

export interface BodyRecord {
  value: unknown;
  /** RFC 6901 pointer of the record inside the body. */
  pointer: string;
  /** Position among all records of the body, for field errors. */
  index: number;
}

/** The array of a `{"records":[…]}` or `{"value":[…]}` wrapper, with its key; undefined for anything else. */
function listOf(value: unknown): { key: 'records' | 'value'; items: unknown[] } | undefined {
  const obj = record(value);
  if (obj === undefined) return undefined;
  if (Array.isArray(obj['records'])) return { key: 'records', items: obj['records'] };
  if (Array.isArray(obj['value'])) return { key: 'value', items: obj['value'] };
  return undefined;
}

/** Every record of the body, or undefined when the body is neither an object nor an array. */
export function recordsOf(body: unknown): BodyRecord[] | undefined {
  const records: BodyRecord[] = [];
  const push = (value: unknown, pointer: string): void => {
    records.push({ value, pointer, index: records.length });
  };
  const pushList = (value: unknown, prefix: string): boolean => {
    const wrapped = listOf(value);
    if (wrapped === undefined) return false;
    wrapped.items.forEach((item, j) => push(item, `${prefix}/${wrapped.key}/${j}`));
    return true;
  };
  if (Array.isArray(body)) {
    body.forEach((item, i) => {
      if (!pushList(item, `/${i}`)) push(item, `/${i}`);
    });
    return records;
  }
  if (record(body) === undefined) return undefined;
  if (!pushList(body, '')) push(body, '');
  return records;
}
