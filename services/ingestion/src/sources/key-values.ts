/**
 * `key=value` pairs as Splunk writes them into `_raw` (notable/stash events, auto-KV extractions):
 * `1596545116, search_name="Access - Brute Force", count=57, src='10.1.2.3', note="say \"hi\""`.
 * Values are double-quoted, single-quoted (a backslash escapes the quote or itself) or bare up to the next
 * whitespace or comma. Text that is not a pair (the leading timestamp, free-form log words) is skipped. Total:
 * never throws, an unterminated quote runs to the end of the text.
 */

export interface KeyValue {
  key: string;
  value: string;
}

const KEY_START = /[A-Za-z_]/;
// Splunk field names: letters, digits, `_`; `::` (tag::field), `.` (annotations.mitre_attack) and `-` occur in practice.
const KEY_CHAR = /[\w.:-]/;
const isSeparator = (c: string): boolean => c === ',' || /\s/.test(c);

function readQuoted(text: string, start: number, quote: string): { value: string; end: number } {
  let value = '';
  let i = start + 1;
  while (i < text.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '\\' && (next === quote || next === '\\')) {
      value += next;
      i += 2;
      continue;
    }
    if (c === quote) return { value, end: i + 1 };
    value += c;
    i += 1;
  }
  return { value, end: i };
}

function readBare(text: string, start: number): { value: string; end: number } {
  let i = start;
  while (i < text.length && !isSeparator(text[i] as string)) i += 1;
  return { value: text.slice(start, i), end: i };
}

/** Every `key=value` pair of the text, in order; a key given twice appears twice. */
export function parseKeyValues(text: string): KeyValue[] {
  const pairs: KeyValue[] = [];
  let i = 0;
  while (i < text.length) {
    while (i < text.length && isSeparator(text[i] as string)) i += 1;
    if (i >= text.length) break;
    let j = i;
    if (KEY_START.test(text[j] as string)) {
      j += 1;
      while (j < text.length && KEY_CHAR.test(text[j] as string)) j += 1;
    }
    if (j > i && text[j] === '=') {
      const first = text[j + 1];
      const read = first === '"' || first === "'" ? readQuoted(text, j + 1, first) : readBare(text, j + 1);
      pairs.push({ key: text.slice(i, j), value: read.value });
      i = read.end;
      continue;
    }
    // Not a pair: skip the word.
    while (i < text.length && !isSeparator(text[i] as string)) i += 1;
  }
  return pairs;
}

/** The pairs as a record: a key seen once maps to its value, a repeated key (Splunk multivalue) to all its values. */
export function keyValueRecord(text: string): Record<string, string | string[]> {
  const byKey = new Map<string, string[]>();
  for (const { key, value } of parseKeyValues(text)) byKey.set(key, [...(byKey.get(key) ?? []), value]);
  // fromEntries defines own properties, so a `__proto__=` key in the text stays data.
  return Object.fromEntries(
    [...byKey].map(([key, values]) => [key, values.length === 1 ? (values[0] as string) : values]),
  );
}
