/**
 * KQL guard benchmark: queries per second over the 1,135 Sentinel queries in test/fixtures/kql, in one process on
 * one core, schema-aware analysis included, after a warm-up; beside it the parser alone (Kusto.Language parse, no
 * binding) and parse + bind without the guard's rules, for comparison. Also the heap after building the guard.
 * Prints one JSON line per measurement.
 *
 *   npm run bench:kql
 *   BENCH_PASSES=3 npm run bench:kql
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createKqlGuard, KqlPolicy } from '@soc/kql';
import { loadKqlSchema } from '../libs/kql/src/schema.ts';

const PASSES = Number(process.env.BENCH_PASSES ?? 2);
const queries = readFileSync(new URL('../test/fixtures/kql/sentinel-queries.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => (JSON.parse(l) as { query: string }).query);

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = () => {
  gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
};

const heapBefore = heapMb();
let started = performance.now();
const guard = createKqlGuard(KqlPolicy.parse({ tables: '*' }));
const buildMs = performance.now() - started;
console.log(JSON.stringify({ bench: 'kql-guard', measure: 'build', buildMs: Math.round(buildMs), heapBeforeMb: heapBefore, heapAfterBuildMb: heapMb(), node: process.version, cpu: cpus()[0]?.model }));

// The same Kusto.Language instance the guard loaded: it defines itself on globalThis.
const K = (globalThis as unknown as { Kusto: { Language: KustoApi } }).Kusto.Language;
interface KustoApi {
  GlobalState: { Default: unknown };
  KustoCode: { Parse(text: string, globals: unknown): { Analyze(globals: unknown): unknown } };
}
const globals = K.GlobalState.Default;
// The guard's own schema-aware state (cached: the guard above built it).
const schemaGlobals = loadKqlSchema().globals;

function measure(name: string, run: (query: string) => unknown): void {
  for (const q of queries.slice(0, 300)) run(q); // warm-up: JIT and lazily built tables
  const rates: number[] = [];
  for (let pass = 0; pass < PASSES; pass++) {
    started = performance.now();
    for (const q of queries) run(q);
    rates.push(queries.length / ((performance.now() - started) / 1000));
  }
  const round = (n: number) => Math.round(n);
  console.log(JSON.stringify({ bench: 'kql-guard', measure: name, queries: queries.length, passes: PASSES, queriesPerSecond: round(Math.max(...rates)), perPass: rates.map(round), heapMb: heapMb() }));
}

measure('guard.check (parse + schema-aware bind + rules + rewrite)', (q) => guard.check(q));
measure('parser alone (KustoCode.Parse, no schema)', (q) => K.KustoCode.Parse(q, globals));
// The floor under any guard on Kusto.Language's semantic model: its parse and bind, with none of the guard's rules.
measure('parse + schema-aware bind (Kusto.Language alone, no guard rules)', (q) => K.KustoCode.Parse(q, schemaGlobals).Analyze(schemaGlobals));
