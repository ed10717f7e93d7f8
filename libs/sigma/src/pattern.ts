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

/**
 * Compiles pieces into the cheapest test that is exact: equality, `includes`, `startsWith`, `endsWith`,
 * else an anchored regular expression. Case-insensitive unless `cased` (callers pass lower-cased input).
 */
export function compilePieces(pieces: readonly Piece[], cased: boolean): StringTest {
  const norm = (s: string): string => (cased ? s : s.toLowerCase());
  const wild = pieces.filter((p) => typeof p !== 'string');
  const literals = pieces.filter((p): p is string => typeof p === 'string').map(norm);
  if (wild.length === 0) {
    const lit = literals.join('');
    return (s) => s === lit;
  }
  if (wild.every((p) => p === ANY) && literals.length <= 1) {
    const lit = literals[0] ?? '';
    const first = pieces[0];
    const last = pieces[pieces.length - 1];
    const leading = first === ANY;
    const trailing = last === ANY;
    if (lit === '') return () => true;
    if (pieces.length === 3 || (leading && trailing)) return (s) => s.includes(lit);
    if (leading) return (s) => s.endsWith(lit);
    if (trailing) return (s) => s.startsWith(lit);
  }
  let source = '^';
  for (const p of pieces) {
    if (p === ANY) source += '[\\s\\S]*';
    else if (p === ONE) source += '[\\s\\S]';
    else source += escapeRegExp(norm(p));
  }
  const re = new RegExp(`${source}$`);
  return (s) => re.test(s);
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
