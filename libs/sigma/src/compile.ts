import { RE2JS } from 're2js';
import type { EventView, FieldValue } from './event.ts';
import { ANY, anyOf, formOf, parseSigmaString, type PatternForm, type Piece, type StringTest } from './pattern.ts';
import { parseCondition } from './condition.ts';
import { GRAM, needAll, needAny, NotCompilable, withNeed, type Matcher, type NeedKey } from './matcher.ts';

const MODIFIERS = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  're',
  'i',
  'm',
  's',
  'cidr',
  'base64',
  'base64offset',
  'utf16le',
  'utf16be',
  'utf16',
  'wide',
  'windash',
  'fieldref',
  'exists',
  'lt',
  'lte',
  'gt',
  'gte',
  'cased',
  'expand',
]);

/**
 * Compiles a rule's `detection` block (selections plus `condition`) into one matcher.
 * Throws {@link NotCompilable} with the exact reason when the rule uses something the engine cannot evaluate.
 */
export function compileDetection(detection: Readonly<Record<string, unknown>>): Matcher {
  const selections = new Map<string, Matcher>();
  for (const [name, body] of Object.entries(detection)) {
    if (name === 'condition' || name === 'timeframe') continue;
    selections.set(name, compileSelection(name, body));
  }
  const condition = detection['condition'];
  const conditions = Array.isArray(condition) ? condition : [condition];
  if (conditions.length === 0 || !conditions.every((c): c is string => typeof c === 'string')) {
    throw new NotCompilable('condition is missing or not a string');
  }
  const parsed = conditions.map((c) => parseCondition(c, selections));
  if (parsed.length === 1) return parsed[0] as Matcher;
  return withNeed((e) => parsed.some((m) => m(e)), needAny(parsed));
}

function compileSelection(name: string, body: unknown): Matcher {
  if (Array.isArray(body)) {
    if (body.length === 0) return () => false;
    if (body.every((item) => isMap(item))) {
      const maps = body.map((item) => compileMap(name, item as Record<string, unknown>));
      return withNeed((e) => maps.some((m) => m(e)), needAny(maps));
    }
    if (body.every((item) => !isMap(item) && !Array.isArray(item))) return compileKeywords(body, []);
    throw new NotCompilable(`selection '${name}' mixes field maps and keywords`);
  }
  if (isMap(body)) return compileMap(name, body);
  if (typeof body === 'string' || typeof body === 'number') return compileKeywords([body], []);
  throw new NotCompilable(`selection '${name}' is neither a map, a list nor a keyword`);
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function compileMap(name: string, map: Record<string, unknown>): Matcher {
  const tests = Object.entries(map).map(([key, value]) => compileField(name, key, value));
  if (tests.length === 1) return tests[0] as Matcher;
  return withNeed((e) => {
    for (const t of tests) if (!t(e)) return false;
    return true;
  }, needAll(tests));
}

/** Keyword search: a value matches when it occurs in any value of the event (full-text, contains semantics). */
function compileKeywords(values: readonly unknown[], modifiers: readonly string[]): Matcher {
  const positioned =
    modifiers.includes('startswith') || modifiers.includes('endswith') ? modifiers : ['contains', ...modifiers];
  const tests = values.map((v) => valueTests(v, positioned));
  const all = modifiers.includes('all');
  const anyValueMatches = (ts: StringTest[], cased: boolean, e: EventView): boolean =>
    e.all.some((fv) => ts.some((t) => t(cased ? fv.text : fv.lower)));
  return (e) =>
    all
      ? tests.every(([ts, cased]) => anyValueMatches(ts, cased, e))
      : tests.some(([ts, cased]) => anyValueMatches(ts, cased, e));
}

function compileField(selection: string, key: string, value: unknown): Matcher {
  const [rawField, ...modifiers] = key.split('|');
  const field = (rawField ?? '').toLowerCase();
  for (const m of modifiers) {
    if (!MODIFIERS.has(m)) throw new NotCompilable(`unknown modifier '${m}' on '${key}' in selection '${selection}'`);
  }
  if (modifiers.includes('expand')) {
    throw new NotCompilable(
      `modifier 'expand' on '${key}' needs placeholder values (${String(value)}) that only a deployment can supply`,
    );
  }
  const values = Array.isArray(value) ? value : [value];
  if (field === '') return compileKeywords(values, modifiers);
  const all = modifiers.includes('all');

  if (modifiers.includes('exists')) {
    const want = value === true || value === 'true' || value === 'yes';
    return (e) => (e.get(field) !== undefined) === want;
  }
  if (modifiers.includes('fieldref')) return compileFieldRef(field, values, modifiers, all);

  const valueTest = compileValues(key, values, modifiers);
  const testValue = (fv: FieldValue): boolean => valueTest.some((t) => t(fv));
  if (all && values.length > 1) {
    return withNeed(
      (e) => {
        const got = e.get(field);
        if (!got) return false;
        return valueTest.every((t) => got.some(t));
      },
      needKeys(field, values, modifiers),
    );
  }
  const matchesNull = values.some((v) => v === null);
  const matcher: Matcher = (e) => {
    const got = e.get(field);
    if (got === undefined || got === null) return matchesNull;
    for (const fv of got) if (testValue(fv)) return true;
    return false;
  };
  return matchesNull ? matcher : withNeed(matcher, needKeys(field, values, modifiers));
}

type ValueTest = (fv: FieldValue) => boolean;

/**
 * The literals one of which a case-insensitive field test needs: its values' equalities, prefixes, suffixes or
 * substrings (a wildcard pattern's longest literal piece); with `all`, the values of the one with the longest literal.
 */
function needKeys(
  field: string,
  values: readonly unknown[],
  modifiers: readonly string[],
): readonly NeedKey[] | undefined {
  if (['re', 'cidr', 'lt', 'lte', 'gt', 'gte', 'cased'].some((m) => modifiers.includes(m))) return undefined;
  if (values.some((v) => v === null)) return undefined;
  const perValue: NeedKey[][] = [];
  for (const v of values) {
    const [forms, cased] = valueForms(v, modifiers);
    if (cased) return undefined;
    const keys: NeedKey[] = [];
    for (const f of forms) {
      if (f.kind === 'any') return undefined;
      const kind = f.kind === 'glob' ? 'contains' : f.kind;
      if (kind === 'contains' && f.lit.length < GRAM) {
        if (modifiers.includes('all')) break;
        return undefined;
      }
      keys.push({ field, kind, lit: f.lit });
    }
    if (keys.length === forms.length) perValue.push(keys);
  }
  if (!modifiers.includes('all')) return perValue.flat();
  // Every value must match: any one of them is a need; take the one with the longest literal.
  const longest = (keys: NeedKey[]): number => Math.min(...keys.map((k) => k.lit.length));
  return perValue.reduce<NeedKey[] | undefined>(
    (best, keys) => (best === undefined || longest(keys) > longest(best) ? keys : best),
    undefined,
  );
}

function compileValues(key: string, values: readonly unknown[], modifiers: readonly string[]): ValueTest[] {
  const tests: ValueTest[] = [];
  const plain = !['re', 'cidr', 'lt', 'lte', 'gt', 'gte', 'all'].some((m) => modifiers.includes(m));
  if (plain) {
    // An OR of plain values: one combined string test per case mode instead of one per value.
    const lists = values.filter((v) => v !== null).map((v) => valueForms(v, modifiers));
    if (lists.length === 0) return tests;
    const cased = lists.some(([, c]) => c);
    const test = anyOf(lists.flatMap(([forms]) => forms));
    tests.push(cased ? (fv) => test(fv.text) : (fv) => test(fv.lower));
    return tests;
  }
  for (const v of values) {
    if (v === null) continue;
    if (modifiers.includes('re')) tests.push(compileRegex(key, v, modifiers));
    else if (modifiers.includes('cidr')) tests.push(compileCidr(key, v));
    else if (['lt', 'lte', 'gt', 'gte'].some((m) => modifiers.includes(m)))
      tests.push(compileCompare(key, v, modifiers));
    else {
      const [strTests, cased] = valueTests(v, modifiers);
      tests.push(cased ? (fv) => strTests.some((t) => t(fv.text)) : (fv) => strTests.some((t) => t(fv.lower)));
    }
  }
  return tests;
}

/** String tests for one value after the transforming modifiers, and whether they compare case-sensitively. */
function valueTests(value: unknown, modifiers: readonly string[]): [StringTest[], boolean] {
  const [forms, cased] = valueForms(value, modifiers);
  return [[anyOf(forms)], cased];
}

/** The pattern forms of one value after the transforming modifiers, and whether they compare case-sensitively. */
function valueForms(value: unknown, modifiers: readonly string[]): [PatternForm[], boolean] {
  if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') {
    throw new NotCompilable(`value ${JSON.stringify(value)} is not a string, number or boolean`);
  }
  const text = String(value);
  const encodes = modifiers.some((m) => m === 'base64' || m === 'base64offset');
  const wide = modifiers.find((m) => m === 'wide' || m.startsWith('utf16'));
  if (wide && !encodes) throw new NotCompilable(`modifier '${wide}' without base64 or base64offset has no text form`);
  let variants: Piece[][];
  if (typeof value !== 'string') variants = [[text]];
  else {
    const texts = modifiers.includes('windash') ? windashVariants(text) : [text];
    variants = texts.map((t) => parseSigmaString(t));
  }
  // Encoded values are literal bytes, and base64 is case-sensitive by nature.
  let cased = modifiers.includes('cased');
  if (encodes) {
    cased = true;
    const literal = variants.map((pieces) => {
      if (pieces.some((p) => typeof p !== 'string'))
        throw new NotCompilable(`wildcards in a base64-encoded value ${JSON.stringify(text)}`);
      return pieces.join('');
    });
    const bytes = literal.map((s) => encodeText(s, wide));
    const encoded = modifiers.includes('base64offset')
      ? bytes.flatMap(base64Offsets)
      : bytes.map((b) => b.toString('base64'));
    variants = encoded.map((s) => [s]);
  }
  const contains = modifiers.includes('contains');
  const starts = modifiers.includes('startswith');
  const ends = modifiers.includes('endswith');
  const before: Piece[] = contains || ends ? [ANY] : [];
  const after: Piece[] = contains || starts ? [ANY] : [];
  const positioned = variants.map((pieces): Piece[] => [...before, ...pieces, ...after]);
  return [positioned.map((p) => formOf(p, cased)), cased];
}

function encodeText(s: string, wide: string | undefined): Buffer {
  switch (wide) {
    case undefined:
      return Buffer.from(s, 'utf8');
    case 'wide':
    case 'utf16le':
      return Buffer.from(s, 'utf16le');
    case 'utf16':
      return Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from(s, 'utf16le')]);
    case 'utf16be':
      return Buffer.from(s, 'utf16le').swap16();
    default:
      throw new NotCompilable(`unknown encoding '${wide}'`);
  }
}

/** The three base64 forms of a value at byte offsets 0, 1 and 2, trimmed to the characters that do not depend on neighbours. */
function base64Offsets(bytes: Buffer): string[] {
  const start = [0, 2, 3];
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const encoded = Buffer.concat([Buffer.alloc(i, 0x20), bytes]).toString('base64');
    const endTrim = [0, 3, 2][(bytes.length + i) % 3] as number;
    out.push(encoded.slice(start[i], endTrim === 0 ? undefined : encoded.length - endTrim));
  }
  return out;
}

/** Command-line flags written `-x` also match `/x`, en dash, em dash and horizontal bar (`windash`). */
function windashVariants(text: string): string[] {
  const dashes = ['-', '/', '\u2013', '\u2014', '\u2015'];
  const positions: number[] = [];
  const re = /\B[-/]\b/g;
  for (let m = re.exec(text); m; m = re.exec(text)) positions.push(m.index);
  if (positions.length > 4)
    throw new NotCompilable(`windash on ${JSON.stringify(text)} has ${positions.length} flags (more than 4)`);
  let variants = [text];
  for (const pos of positions)
    variants = variants.flatMap((v) => dashes.map((d) => v.slice(0, pos) + d + v.slice(pos + 1)));
  return variants;
}

function compileRegex(key: string, value: unknown, modifiers: readonly string[]): ValueTest {
  if (typeof value !== 'string') throw new NotCompilable(`regular expression on '${key}' is not a string`);
  let source = value;
  let flags =
    (modifiers.includes('i') ? 'i' : '') + (modifiers.includes('m') ? 'm' : '') + (modifiers.includes('s') ? 's' : '');
  // PCRE's leading inline flags, e.g. (?i), are not JavaScript: lift them into the flags.
  const inline = /^\(\?([ims]+)\)/.exec(source);
  if (inline) {
    source = source.slice(inline[0].length);
    for (const f of inline[1] ?? '') if (!flags.includes(f)) flags += f;
  }
  // RE2 semantics (re2js): matching time is linear in the input. JavaScript's backtracking RegExp took 0.8–2.8 s
  // for one 32 KB command line of letters against the corpus's `re` rules (e.g. \w+`(?:\w+|-|.)`), and event
  // values are written by whoever controls the endpoint. Every `re` pattern of the bundled corpus compiles in RE2;
  // one that does not (a backreference or lookaround) is reported as not compiled, never run with backtracking.
  let re: ReturnType<typeof RE2JS.compile>;
  try {
    re = RE2JS.compile(
      source,
      (flags.includes('i') ? RE2JS.CASE_INSENSITIVE : 0) | (flags.includes('m') ? RE2JS.MULTILINE : 0) | (flags.includes('s') ? RE2JS.DOTALL : 0),
    );
  } catch (error) {
    throw new NotCompilable(`regular expression on '${key}' does not compile in RE2 (linear-time matching): ${(error as Error).message}`);
  }
  return (fv) => re.test(fv.text);
}

function compileCompare(key: string, value: unknown, modifiers: readonly string[]): ValueTest {
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) throw new NotCompilable(`comparison on '${key}' with non-number ${JSON.stringify(value)}`);
  if (modifiers.includes('lt')) return (fv) => fv.num !== undefined && fv.num < n;
  if (modifiers.includes('lte')) return (fv) => fv.num !== undefined && fv.num <= n;
  if (modifiers.includes('gt')) return (fv) => fv.num !== undefined && fv.num > n;
  return (fv) => fv.num !== undefined && fv.num >= n;
}

function compileFieldRef(
  field: string,
  values: readonly unknown[],
  modifiers: readonly string[],
  all: boolean,
): Matcher {
  const cased = modifiers.includes('cased');
  const refs = values.map((v) => {
    if (typeof v !== 'string')
      throw new NotCompilable(`fieldref on '${field}' names ${JSON.stringify(v)}, not a field`);
    return v.toLowerCase();
  });
  const contains = modifiers.includes('contains');
  const starts = modifiers.includes('startswith');
  const ends = modifiers.includes('endswith');
  const compare = (a: string, b: string): boolean =>
    contains ? a.includes(b) : starts ? a.startsWith(b) : ends ? a.endsWith(b) : a === b;
  const one = (e: EventView, ref: string): boolean => {
    const got = e.get(field);
    const other = e.get(ref);
    if (!got || !other) return false;
    return got.some((g) => other.some((o) => (cased ? compare(g.text, o.text) : compare(g.lower, o.lower))));
  };
  return (e) => (all ? refs.every((r) => one(e, r)) : refs.some((r) => one(e, r)));
}

function compileCidr(key: string, value: unknown): ValueTest {
  if (typeof value !== 'string') throw new NotCompilable(`cidr on '${key}' is not a string`);
  const [addr, bitsText] = value.split('/');
  const v4 = parseIpv4(addr ?? '');
  const v6 = v4 === undefined ? parseIpv6(addr ?? '') : undefined;
  if (v4 === undefined && v6 === undefined)
    throw new NotCompilable(`cidr on '${key}': ${JSON.stringify(value)} is not an address range`);
  const width = v4 !== undefined ? 32 : 128;
  const bits = bitsText === undefined ? width : Number(bitsText);
  if (!Number.isInteger(bits) || bits < 0 || bits > width)
    throw new NotCompilable(`cidr on '${key}': bad prefix length in ${JSON.stringify(value)}`);
  if (v4 !== undefined) {
    const mask = bits === 0 ? 0 : (0xffffffff << (32 - bits)) >>> 0;
    const net = (v4 & mask) >>> 0;
    return (fv) => {
      const ip = parseIpv4(fv.text.trim());
      return ip !== undefined && (ip & mask) >>> 0 === net;
    };
  }
  const shift = BigInt(128 - bits);
  const net = (v6 as bigint) >> shift;
  return (fv) => {
    const ip = parseIpv6(fv.text.trim());
    return ip !== undefined && ip >> shift === net;
  };
}

function parseIpv4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p)) return undefined;
    const octet = Number(p);
    if (octet > 255) return undefined;
    n = n * 256 + octet;
  }
  return n;
}

function parseIpv6(s: string): bigint | undefined {
  if (!s.includes(':')) return undefined;
  const zoneless = s.replace(/%.*$/, '');
  const halves = zoneless.split('::');
  if (halves.length > 2) return undefined;
  const groups = (h: string | undefined): string[] => (h ? h.split(':') : []);
  const head = groups(halves[0]);
  const tail = groups(halves[1]);
  const missing = 8 - head.length - tail.length;
  if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
  let n = 0n;
  for (const g of [...head, ...Array<string>(missing).fill('0'), ...tail]) {
    if (!/^[0-9a-f]{1,4}$/i.test(g)) return undefined;
    n = (n << 16n) | BigInt(parseInt(g, 16));
  }
  return n;
}
