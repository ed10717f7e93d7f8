import { describe, expect, it } from 'vitest';
import { createSigmaEngine, parseRulesJsonl } from '../src/index.ts';
import { ANY, ONE, type Piece, globTest, parseSigmaString } from '../src/pattern.ts';

/** The reference semantics: the pattern as an anchored regular expression (what the engine compiled before). */
function reference(pieces: readonly Piece[]): RegExp {
  let source = '^';
  for (const p of pieces) source += p === ANY ? '[\\s\\S]*' : p === ONE ? '[\\s\\S]' : p.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
  return new RegExp(`${source}$`);
}

/** A deterministic pseudo-random sequence (mulberry32), so a failure is reproducible. */
function random(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe('globTest: wildcard patterns without regular expressions', () => {
  it('agrees with the anchored regular expression on 20,000 random patterns and inputs over a small alphabet', () => {
    const next = random(12);
    const pick = (s: string): string => s[Math.floor(next() * s.length)] as string;
    for (let n = 0; n < 20_000; n++) {
      const pattern = Array.from({ length: 1 + Math.floor(next() * 7) }, () => pick('ab\\*?*')).join('');
      const input = Array.from({ length: Math.floor(next() * 9) }, () => pick('ab\\')).join('');
      const pieces = parseSigmaString(pattern);
      expect([pattern, input, globTest(pieces)(input)]).toEqual([pattern, input, reference(pieces).test(input)]);
    }
  });

  it('answers a 32 KB value of backslashes against a pattern with many wildcards (the regular expression ran for minutes)', () => {
    // `\\` is a literal backslash in Sigma: any run, a backslash, any run, a backslash … `.exe`, any run.
    const pieces = parseSigmaString('*\\\\*\\\\*\\\\*.exe*');
    expect(pieces.filter((p) => p === ANY)).toHaveLength(5);
    const value = '\\'.repeat(32_768);
    expect(globTest(pieces)(value)).toBe(false);
    expect(globTest(pieces)(`${value}x.exe`)).toBe(true);
  });

  it('keeps a rule\'s wildcard selection exact through the engine', () => {
    const [rule] = parseRulesJsonl(
      `${JSON.stringify({ id: 'r-1', title: 'glob', status: 'test', level: 'high', logsource: { product: 'windows', category: 'process_creation' }, detection: { sel: { 'CommandLine': ['*\\\\Temp\\\\*.ps?'] }, condition: 'sel' } })}\n`,
    );
    const engine = createSigmaEngine([rule!]);
    const ls = [{ product: 'windows', category: 'process_creation' }];
    expect(engine.match({ CommandLine: 'powershell C:\\Users\\a\\AppData\\Local\\Temp\\x.ps1' }, ls).map((h) => h.id)).toEqual(['r-1']);
    expect(engine.match({ CommandLine: 'powershell C:\\Users\\a\\AppData\\Local\\Temp\\x.ps12' }, ls)).toEqual([]);
    expect(engine.match({ CommandLine: '\\'.repeat(32_768) }, ls)).toEqual([]);
  });
});
