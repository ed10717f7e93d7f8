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

/** The cheapest exact form of one pattern: equality, contains, prefix, suffix, or a wildcard test (`globTest`). */
export type PatternForm =
  | { readonly kind: 'eq' | 'contains' | 'starts' | 'ends'; readonly lit: string }
  | { readonly kind: 'any' }
  | {
      readonly kind: 'glob';
      readonly test: StringTest;
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
  const longest = literals.reduce((a, b) => (b.length > a.length ? b : a), '');
  return { kind: 'glob', test: globTest(pieces.map((p) => (typeof p === 'string' ? norm(p) : p))), lit: longest };
}

/** A run of literal characters and `?` between two `*`: `chars[i]` must equal the input unless `one[i]`. */
interface Segment {
  readonly chars: string;
  readonly one: readonly boolean[];
}

function segmentsOf(pieces: readonly Piece[]): { segments: Segment[]; leading: boolean; trailing: boolean } {
  const segments: Segment[] = [];
  let chars = '';
  let one: boolean[] = [];
  for (const p of pieces) {
    if (p === ANY) {
      segments.push({ chars, one });
      chars = '';
      one = [];
    } else if (p === ONE) {
      chars += '?';
      one.push(true);
    } else {
      chars += p;
      for (let i = 0; i < p.length; i++) one.push(false);
    }
  }
  segments.push({ chars, one });
  // `a*b` is segments [a, b]; a leading or trailing `*` leaves an empty segment at that end.
  return { segments, leading: pieces[0] === ANY, trailing: pieces[pieces.length - 1] === ANY };
}

function segmentAt(s: string, at: number, seg: Segment): boolean {
  if (at < 0 || at + seg.chars.length > s.length) return false;
  for (let i = 0; i < seg.chars.length; i++) if (!seg.one[i] && s.charCodeAt(at + i) !== seg.chars.charCodeAt(i)) return false;
  return true;
}

/** The first position at or after `from` where the segment matches, or -1. */
function findSegment(s: string, from: number, seg: Segment): number {
  if (!seg.one.includes(true)) return s.indexOf(seg.chars, from);
  for (let at = from; at + seg.chars.length <= s.length; at++) if (segmentAt(s, at, seg)) return at;
  return -1;
}

/**
 * A wildcard pattern (`*` any run, `?` one character) as a test without a regular expression. A pattern with
 * several `*` compiled to `^[\s\S]*a[\s\S]*b…$` backtracks polynomially in the input's length (a 32 KB command
 * line of backslashes against a rule with four `*` ran for minutes); matching the pieces between the `*` left to
 * right, each at its earliest position, is exact for such patterns and takes at most (input × pattern) steps.
 */
export function globTest(pieces: readonly Piece[]): StringTest {
  const { segments, leading, trailing } = segmentsOf(pieces);
  const first = segments[0] as Segment;
  const last = segments[segments.length - 1] as Segment;
  if (segments.length === 1) return (s) => s.length === first.chars.length && segmentAt(s, 0, first);
  const middle = segments.slice(1, -1);
  return (s) => {
    if (!leading && !segmentAt(s, 0, first)) return false;
    let pos = leading ? 0 : first.chars.length;
    const end = trailing ? s.length : s.length - last.chars.length;
    if (end < pos) return false;
    for (const seg of middle) {
      if (seg.chars.length === 0) continue;
      const at = findSegment(s, pos, seg);
      if (at < 0 || at + seg.chars.length > end) return false;
      pos = at + seg.chars.length;
    }
    return trailing || segmentAt(s, end, last);
  };
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
  const globs: StringTest[] = [];
  for (const f of forms) {
    if (f.kind === 'eq') eq.add(f.lit);
    else if (f.kind === 'contains') contains.push(f.lit);
    else if (f.kind === 'starts') starts.push(f.lit);
    else if (f.kind === 'ends') ends.push(f.lit);
    else if (f.kind === 'glob') globs.push(f.test);
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
    for (const test of globs) if (test(s)) return true;
    return false;
  };
}
