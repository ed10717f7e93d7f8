import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createKqlGuard, DEFAULT_ALLOWED_PLUGINS, defaultKqlPolicy, KqlPolicy, type KqlVerdict } from '../src/index.ts';
import { kustoLanguage } from '../src/kusto.ts';

// Microsoft Sentinel analytic rules and hunting queries, Aug 2022 (test/fixtures/kql/README.md): 1,135 real queries.
const CORPUS = new URL('../../../test/fixtures/kql/sentinel-queries.jsonl', import.meta.url);
const queries = readFileSync(CORPUS, 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => JSON.parse(l) as { id: string; name: string; query: string });

type Feature = 'externaldata' | 'plugin' | 'cross-scope';

/**
 * Which denied features a query uses, decided independently of the guard's syntax-tree rules: a scan of the
 * lexer's token list (string literals are single tokens and comments are trivia, so neither can match). Using
 * the guard's own tree walk here would make the test circular.
 */
function deniedFeatures(text: string): Feature[] {
  const K = kustoLanguage() as unknown as {
    GlobalState: { Default: { ParseOptions: unknown } };
    Parsing: { TokenParser: { ParseTokens(text: string, options: unknown): { Text: string }[] } };
  };
  const tokens = K.Parsing.TokenParser.ParseTokens(text, K.GlobalState.Default.ParseOptions).map((t) => t.Text);
  const found = new Set<Feature>();
  tokens.forEach((token, i) => {
    const next = tokens[i + 1];
    const previous = tokens[i - 1];
    if (token === 'externaldata' || (token === 'external_table' && next === '(')) found.add('externaldata');
    if (token === 'evaluate' && next !== undefined && !DEFAULT_ALLOWED_PLUGINS.includes(next)) found.add('plugin');
    if (['workspace', 'app', 'resource', 'cluster', 'database', 'adx'].includes(token) && next === '(' && previous !== 'let' && previous !== '.') {
      found.add('cross-scope');
    }
  });
  return [...found];
}

const REASON_FOR: Record<Feature, string[]> = {
  externaldata: ['externaldata', 'external-table'],
  plugin: ['plugin-denied', 'plugin-not-allowed'],
  'cross-scope': ['cross-scope'],
};

describe('the guard on the Sentinel corpus', () => {
  it('allows ≥ 99 % of the queries that use no denied feature under a * table policy, and denies every one that does', () => {
    const guard = createKqlGuard(KqlPolicy.parse({ tables: '*' }));
    const clean: { id: string; verdict: KqlVerdict }[] = [];
    const risky: { id: string; features: Feature[]; verdict: KqlVerdict }[] = [];
    for (const q of queries) {
      const verdict = guard.check(q.query);
      expect(['allow', 'deny']).toContain(verdict.verdict);
      const features = deniedFeatures(q.query);
      if (features.length === 0) clean.push({ id: q.id, verdict });
      else risky.push({ id: q.id, features, verdict });
    }
    const allowed = clean.filter((c) => c.verdict.verdict === 'allow').length;
    const share = allowed / clean.length;
    const deniedClean = clean.filter((c) => c.verdict.verdict === 'deny');
    console.log(
      `Sentinel corpus, * tables: ${allowed}/${clean.length} queries without denied features allowed (${(share * 100).toFixed(2)} %); ` +
        `${risky.length} use externaldata, a denied plugin or a cross-scope function. Denied clean queries: ` +
        deniedClean.map((c) => `${c.id} [${c.verdict.reasons.map((r) => r.code).join(',')}]`).join('; '),
    );
    expect(queries).toHaveLength(1135);
    expect(risky.length).toBe(22); // all externaldata: the corpus uses only allow-listed plugins and no cross-scope call
    expect(share).toBeGreaterThanOrEqual(0.99);
    for (const r of risky) {
      expect(r.verdict.verdict, r.id).toBe('deny');
      for (const feature of r.features) {
        expect(r.verdict.reasons.some((reason) => REASON_FOR[feature].includes(reason.code)), `${r.id} ${feature}`).toBe(true);
      }
    }
    // Every allowed query comes back with the row cap as its final operator and names the tables it reads.
    for (const c of clean.filter((x) => x.verdict.verdict === 'allow')) {
      expect(c.verdict.query).toMatch(/\n\| take 10000|take 10000\n\| render/);
      expect(c.verdict.tables.length, c.id).toBeGreaterThan(0);
    }
  }, 600_000);

  it('reports what the default policy (known tables, 30 days) allows and why it denies the rest', () => {
    const guard = createKqlGuard(defaultKqlPolicy);
    const byReason = new Map<string, number>();
    let allowed = 0;
    for (const q of queries) {
      const verdict = guard.check(q.query);
      if (verdict.verdict === 'allow') allowed++;
      for (const code of new Set(verdict.reasons.map((r) => r.code))) byReason.set(code, (byReason.get(code) ?? 0) + 1);
    }
    console.log(`Sentinel corpus, default policy: ${allowed}/${queries.length} allowed; denials by reason: ${JSON.stringify(Object.fromEntries([...byReason].sort((a, b) => b[1] - a[1])))}`);
    expect(allowed).toBeGreaterThan(900);
    expect(byReason.get('externaldata')).toBeGreaterThanOrEqual(15);
    expect(byReason.has('internal-error')).toBe(false);
  }, 600_000);
});
