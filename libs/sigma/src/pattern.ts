/** A piece of a Sigma string: literal text, `*` (any run of characters) or `?` (exactly one). */
export type Piece = string | typeof ANY | typeof ONE;
export const ANY: unique symbol = Symbol('*');
export const ONE: unique symbol = Symbol('?');

/**
 * Reads a Sigma string value into pieces: `*` and `?` are wildcards, `\*`, `\?` and `\\` are the literal
 * characters, and any other backslash is itself (so Windows paths need no escaping), as the specification says.
 */
export function parseSigmaString(value: string): Piece[] {
  const pieces: Piece[] = [];
  let acc = '';
  for (let i = 0; i < value.length; i++) {
    const c = value[i] as string;
    if (c === '\\') {
      const next = value[i + 1];
      if (next === '*' || next === '?' || next === '\\') {
        acc += next;
        i++;
      } else acc += c;
    } else if (c === '*' || c === '?') {
      if (acc) pieces.push(acc);
      acc = '';
      pieces.push(c === '*' ? ANY : ONE);
    } else acc += c;
  }
  if (acc) pieces.push(acc);
  return pieces;
}

/** A test of one (lower-cased unless cased) string. */
export type StringTest = (s: string) => boolean;

/** The cheapest exact form of one pattern: equality, contains, prefix, suffix, or an anchored regular expression. */
export type PatternForm =
  | { readonly kind: 'eq' | 'contains' | 'starts' | 'ends'; readonly lit: string }
  | { readonly kind: 'any' }
  | {
      readonly kind: 're';
      readonly re: RegExp;
      /** Its longest literal piece, which any match contains. */ readonly lit: string;
    };

/** Reduces pieces to their cheapest form; case-insensitive unless `cased` (callers then pass lower-cased input). */
export function formOf(pieces: readonly Piece[], cased: boolean): PatternForm {
  const norm = (s: string): string => (cased ? s : s.toLowerCase());
  const literals = pieces.filter((p): p is string => typeof p === 'string').map(norm);
  const wild = pieces.filter((p) => typeof p !== 'string');
  if (wild.length === 0) return { kind: 'eq', lit: literals.join('') };
  if (wild.every((p) => p === ANY) && literals.length <= 1) {
    const lit = literals[0] ?? '';
    const leading = pieces[0] === ANY;
    const trailing = pieces[pieces.length - 1] === ANY;
    if (lit === '') return { kind: 'any' };
    if (leading && trailing) return { kind: 'contains', lit };
    if (leading) return { kind: 'ends', lit };
    if (trailing) return { kind: 'starts', lit };
  }
  let source = '^';
  for (const p of pieces) {
    if (p === ANY) source += '[\\s\\S]*';
    else if (p === ONE) source += '[\\s\\S]';
    else source += escapeRegExp(norm(p));
  }
  const longest = literals.reduce((a, b) => (b.length > a.length ? b : a), '');
  return { kind: 're', re: new RegExp(`${source}$`), lit: longest };
}

/**
 * One test that is true when any of the forms matches: equalities become a set lookup and the rest tight loops,
 * so a selection listing fifty suffixes costs one call, not fifty closures.
 */
export function anyOf(forms: readonly PatternForm[]): StringTest {
  if (forms.some((f) => f.kind === 'any')) return () => true;
  const eq = new Set<string>();
  const contains: string[] = [];
  const starts: string[] = [];
  const ends: string[] = [];
  const res: RegExp[] = [];
  for (const f of forms) {
    if (f.kind === 'eq') eq.add(f.lit);
    else if (f.kind === 'contains') contains.push(f.lit);
    else if (f.kind === 'starts') starts.push(f.lit);
    else if (f.kind === 'ends') ends.push(f.lit);
    else if (f.kind === 're') res.push(f.re);
  }
  if (eq.size === 1 && forms.length === 1) {
    const only = [...eq][0];
    return (s) => s === only;
  }
  return (s) => {
    if (eq.size > 0 && eq.has(s)) return true;
    for (const lit of ends) if (s.endsWith(lit)) return true;
    for (const lit of contains) if (s.includes(lit)) return true;
    for (const lit of starts) if (s.startsWith(lit)) return true;
    for (const re of res) if (re.test(s)) return true;
    return false;
  };
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
