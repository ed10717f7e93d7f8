/**
 * A deliberately tiny, strict YAML subset for playbook front matter: top-level `key: value`, one level of
 * nested mapping, flow lists (`[a, b]`) and block lists (`- a`). Anything else is an error with its line, so a
 * typo fails start-up instead of silently changing meaning (no anchors, multi-line strings or type coercion:
 * every scalar stays a string and the zod schema decides what it may be).
 */

/** A front-matter value: a string, a list of strings, or a nested mapping (at most two levels deep). */
export type FrontMatterValue = string | string[] | { [key: string]: FrontMatterValue };
export type FrontMatter = Record<string, FrontMatterValue>;

/** Raised for a front matter outside the supported subset; `line` is 1-based within the front matter. */
export class FrontMatterSyntaxError extends Error {
  readonly line: number;
  constructor(line: number, message: string) {
    super(`line ${line}: ${message}`);
    this.name = 'FrontMatterSyntaxError';
    this.line = line;
  }
}

const KEY_LINE = /^([A-Za-z][A-Za-z0-9_-]*):(?:[ \t]+(.*))?$/;
const LIST_ITEM = /^-(?:[ \t]+(.*))?$/;
/** Top-level mapping, one nested mapping, and lists under either. */
const MAX_MAP_DEPTH = 2;
const INDENT = 2;

/** Splits `---\n…\n---\n` off the top of a document; null when the document has no front matter. */
export function splitFrontMatter(source: string): { frontMatter: string; body: string; bodyLine: number } | null {
  const text = source.startsWith('\uFEFF') ? source.slice(1) : source;
  const lines = text.split(/\r?\n/);
  if (lines[0] !== '---') return null;
  const end = lines.indexOf('---', 1);
  if (end === -1) return null;
  return { frontMatter: lines.slice(1, end).join('\n'), body: lines.slice(end + 1).join('\n'), bodyLine: end + 2 };
}

interface Line {
  no: number;
  indent: number;
  text: string;
}

/**
 * Parses the front-matter subset (what Prettier keeps stable: block lists, short flow lists, two-space
 * indentation); throws {@link FrontMatterSyntaxError} naming the offending line.
 */
export function parseFrontMatter(text: string): FrontMatter {
  const lines: Line[] = [];
  for (const [index, raw] of text.split('\n').entries()) {
    const line = raw.replace(/[ \t]+$/, '');
    if (line === '' || /^[ \t]*#/.test(line)) continue;
    if (line.includes('\t'))
      throw new FrontMatterSyntaxError(index + 1, 'tabs are not allowed; indent with two spaces');
    const content = line.trimStart();
    lines.push({ no: index + 1, indent: line.length - content.length, text: content });
  }

  let at = 0;
  const parseList = (key: string, indent: number): string[] => {
    const items: string[] = [];
    for (let line = lines[at]; line !== undefined && line.indent >= indent; line = lines[at]) {
      if (line.indent > indent) throw new FrontMatterSyntaxError(line.no, 'unexpected indentation');
      const item = LIST_ITEM.exec(line.text);
      if (!item) throw new FrontMatterSyntaxError(line.no, `"${key}" mixes list items and keys`);
      items.push(parseScalar(item[1] ?? '', line.no));
      at++;
    }
    return items;
  };
  const parseMap = (indent: number, depth: number): FrontMatter => {
    const map: FrontMatter = {};
    for (let line = lines[at]; line !== undefined && line.indent >= indent; line = lines[at]) {
      if (line.indent > indent) throw new FrontMatterSyntaxError(line.no, 'unexpected indentation');
      const pair = KEY_LINE.exec(line.text);
      if (!pair) throw new FrontMatterSyntaxError(line.no, `expected "key: value", got "${clip(line.text)}"`);
      const key = pair[1] as string;
      if (Object.hasOwn(map, key)) throw new FrontMatterSyntaxError(line.no, `duplicate key "${key}"`);
      at++;
      const value = pair[2];
      if (value !== undefined && value !== '') {
        map[key] = parseValue(value, line.no);
        continue;
      }
      const next = lines[at];
      if (next === undefined || next.indent <= indent)
        throw new FrontMatterSyntaxError(line.no, `"${key}" has no value`);
      if (next.indent !== indent + INDENT)
        throw new FrontMatterSyntaxError(next.no, 'unexpected indentation (indent by two spaces)');
      if (LIST_ITEM.test(next.text)) map[key] = parseList(key, next.indent);
      else if (depth + 1 >= MAX_MAP_DEPTH) throw new FrontMatterSyntaxError(next.no, 'mappings nest at most one level');
      else map[key] = parseMap(next.indent, depth + 1);
    }
    return map;
  };

  return parseMap(0, 0);
}

function parseValue(value: string, line: number): string | string[] {
  if (!value.startsWith('[')) return parseScalar(value, line);
  if (!value.endsWith(']'))
    throw new FrontMatterSyntaxError(line, 'a flow list must be closed with "]" on the same line');
  const inner = value.slice(1, -1).trim();
  if (inner === '') return [];
  return splitFlowList(inner, line).map((item) => parseScalar(item.trim(), line));
}

/** Splits on commas outside double quotes, in one pass. */
function splitFlowList(inner: string, line: number): string[] {
  const items: string[] = [];
  let start = 0;
  let quoted = false;
  for (let i = 0; i < inner.length; i++) {
    const ch = inner[i];
    if (ch === '\\' && quoted) i++;
    else if (ch === '"') quoted = !quoted;
    else if (ch === ',' && !quoted) {
      items.push(inner.slice(start, i));
      start = i + 1;
    }
  }
  if (quoted) throw new FrontMatterSyntaxError(line, 'unterminated quoted string');
  items.push(inner.slice(start));
  return items;
}

function parseScalar(raw: string, line: number): string {
  if (raw === '') throw new FrontMatterSyntaxError(line, 'empty value');
  if (raw.startsWith('"')) {
    if (raw.length < 2 || !raw.endsWith('"')) throw new FrontMatterSyntaxError(line, 'unterminated quoted string');
    try {
      const parsed: unknown = JSON.parse(raw);
      if (typeof parsed === 'string') return parsed;
    } catch {
      // reported below
    }
    throw new FrontMatterSyntaxError(line, `invalid quoted string ${clip(raw)}`);
  }
  // Characters that carry meaning in full YAML are refused unquoted, so no value means something else elsewhere.
  if (/^(?:[[\]{}&*!|>'%@`?]|- )/.test(raw) || /[{}[\]]/.test(raw) || raw.includes(': ') || raw.includes(' #')) {
    throw new FrontMatterSyntaxError(line, `unsupported YAML syntax in ${clip(raw)}; quote the value`);
  }
  return raw;
}

function clip(text: string): string {
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
}
