/**
 * The CEF record itself, with the escaping rules of the ArcSight CEF implementation standard:
 *  - header: `CEF:Version|Device Vendor|Device Product|Device Version|Device Event Class ID|Name|Severity|Extension`,
 *    where `\|` is a literal pipe and `\\` a literal backslash;
 *  - extension: space-separated `key=value` pairs; a key ends at `=`, a value runs (spaces included) up to the
 *    space before the next `key=`; in values `\=` is a literal `=`, `\\` a backslash, `\n` and `\r` line breaks.
 * Other backslash sequences are not CEF escapes and are kept as written. Producers that break the rules (an
 * unescaped `=` inside a value) are read leniently: an `=` only starts a key where a space precedes the key.
 */

export interface CefHeader {
  version: number;
  vendor: string;
  product: string;
  deviceVersion: string;
  classId: string;
  name: string;
  severity: string;
}

export interface CefPair {
  key: string;
  value: string;
}

export type CefLineResult = { ok: true; header: CefHeader; extension: CefPair[] } | { ok: false; message: string };

/** CEF versions this parser reads: 0 (CEF 0.x) and 1 (CEF 1.x, the same syntax). */
const VERSIONS = new Set([0, 1]);
const HEADER_FIELDS = [
  'Device Vendor',
  'Device Product',
  'Device Version',
  'Device Event Class ID',
  'Name',
  'Severity',
] as const;

/** Splits the six header fields after the version, honouring `\|` and `\\`; returns the extension's offset too. */
function readHeaderFields(text: string, start: number): { fields: string[]; extensionStart: number } {
  const fields: string[] = [];
  let current = '';
  let i = start;
  while (i < text.length && fields.length < HEADER_FIELDS.length) {
    const c = text[i] as string;
    const next = text[i + 1];
    if (c === '\\' && (next === '|' || next === '\\')) {
      current += next;
      i += 2;
      continue;
    }
    if (c === '|') {
      fields.push(current);
      current = '';
    } else {
      current += c;
    }
    i += 1;
  }
  // A record that ends right after the severity, without the last separator, has an empty extension.
  if (fields.length === HEADER_FIELDS.length - 1 && i >= text.length) fields.push(current);
  return { fields, extensionStart: i };
}

/** Parses `CEF:…` (the text from `CEF:` on) into its header and extension pairs. */
export function parseCefLine(cef: string): CefLineResult {
  const start = /^CEF:\s?(\d+)\|/.exec(cef);
  if (start === null) return { ok: false, message: 'does not start with "CEF:<version>|"' };
  const version = Number(start[1]);
  if (!VERSIONS.has(version)) return { ok: false, message: `CEF version ${start[1]} is not supported (0 and 1 are)` };
  const { fields, extensionStart } = readHeaderFields(cef, start[0].length);
  if (fields.length < HEADER_FIELDS.length) {
    // The text after the last separator is one more (unterminated) field.
    const missing = HEADER_FIELDS.slice(fields.length + 1).join(', ');
    return {
      ok: false,
      message: `the CEF header has ${fields.length + 2} of its 7 "|"-separated fields: missing ${missing} (a literal "|" in a header field must be written "\\|")`,
    };
  }
  const [vendor, product, deviceVersion, classId, name, severity] = fields as [
    string,
    string,
    string,
    string,
    string,
    string,
  ];
  return {
    ok: true,
    header: { version, vendor, product, deviceVersion, classId, name, severity },
    extension: parseExtension(cef.slice(extensionStart)),
  };
}

const KEY_CHAR = /[A-Za-z0-9_.]/;
const SPACE = /\s/;

/** Undoes the extension-value escapes `\=`, `\\`, `\n`, `\r`; other backslashes stay as written. */
export function unescapeValue(raw: string): string {
  return raw.replace(/\\([=\\nr])/g, (_, c: string) => (c === 'n' ? '\n' : c === 'r' ? '\r' : c));
}

/**
 * The `key=value` pairs of a CEF extension, in order (a repeated key appears twice). Text before the first key is
 * not a pair and is skipped. Values are trimmed: the spaces around them separate pairs.
 */
export function parseExtension(extension: string): CefPair[] {
  const keys: { start: number; eq: number }[] = [];
  let i = 0;
  while (i < extension.length) {
    const c = extension[i] as string;
    if (c === '\\') {
      i += 2; // an escaped character never ends a key or a value
      continue;
    }
    if (c === '=') {
      let k = i;
      while (k > 0 && KEY_CHAR.test(extension[k - 1] as string)) k -= 1;
      if (k < i && (k === 0 || SPACE.test(extension[k - 1] as string))) keys.push({ start: k, eq: i });
    }
    i += 1;
  }
  return keys.map((key, n) => {
    const end = keys[n + 1]?.start ?? extension.length;
    return { key: extension.slice(key.start, key.eq), value: unescapeValue(extension.slice(key.eq + 1, end).trim()) };
  });
}
