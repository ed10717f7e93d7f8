/**
 * Sigma engine benchmark: events per second over the 104 SigmaHQ regression events (real Windows events: Sysmon,
 * Defender, WMI) against the whole bundled corpus (3,757 rules; each event is evaluated against every rule of its
 * logsources, e.g. ~1,400 process_creation rules for a Sysmon 1), in one process on one core, after a warm-up;
 * the events are mapped once and matched repeatedly (mapping is measured separately). Also compile time and heap.
 * Prints one JSON line per measurement.
 *
 *   npm run bench:sigma
 *   BENCH_PASSES=20 npm run bench:sigma
 */
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { createSigmaEngine, loadRulesFile, mapWindowsEvent } from '@soc/sigma';

const PASSES = Number(process.env.BENCH_PASSES ?? 50);
const raw = readFileSync(new URL('../test/fixtures/sigma/regression_events.jsonl', import.meta.url), 'utf8')
  .split('\n')
  .filter((l) => l.trim() !== '')
  .map((l) => (JSON.parse(l) as { event: unknown }).event);

const gc = (globalThis as { gc?: () => void }).gc;
const heapMb = (): number => {
  gc?.();
  return Math.round(process.memoryUsage().heapUsed / 1e5) / 10;
};

const heapBefore = heapMb();
let started = performance.now();
const rules = loadRulesFile();
const loadMs = performance.now() - started;
started = performance.now();
const engine = createSigmaEngine(rules);
const compileMs = performance.now() - started;
console.log(
  JSON.stringify({
    bench: 'sigma',
    measure: 'compile',
    rules: rules.length,
    compiled: engine.compiled.length,
    notCompiled: engine.notCompiled.length,
    loadMs: Math.round(loadMs),
    compileMs: Math.round(compileMs),
    heapBeforeMb: heapBefore,
    heapAfterCompileMb: heapMb(),
    node: process.version,
    cpu: cpus()[0]?.model,
  }),
);

const mapped = raw.map(mapWindowsEvent);
const rulesPerEvent = mapped.map((m) => engine.rulesFor(m.logsources).length);
let hits = 0;
const pass = (): void => {
  for (const m of mapped) hits += engine.match(m.event, m.logsources).length;
};
for (let i = 0; i < 5; i++) pass(); // warm-up: JIT and the logsource cache
hits = 0;
started = performance.now();
for (let i = 0; i < PASSES; i++) pass();
const matchMs = performance.now() - started;
const events = PASSES * mapped.length;
console.log(
  JSON.stringify({
    bench: 'sigma',
    measure: 'match',
    events,
    eventsPerSecond: Math.round(events / (matchMs / 1000)),
    microsPerEvent: Math.round((matchMs * 1000) / events),
    applicableRulesPerEvent: Math.round(rulesPerEvent.reduce((a, b) => a + b, 0) / rulesPerEvent.length),
    hitsPerEvent: Math.round((hits / events) * 100) / 100,
  }),
);

started = performance.now();
for (let i = 0; i < PASSES; i++) for (const e of raw) mapWindowsEvent(e);
const mapMs = performance.now() - started;
console.log(
  JSON.stringify({
    bench: 'sigma',
    measure: 'map-windows-event',
    eventsPerSecond: Math.round(events / (mapMs / 1000)),
    heapAfterMb: heapMb(),
  }),
);

// Hostile values: one 32 KB field of a repeated character (what an attacker controlling the endpoint can write into a
// command line) per process-creation event; the worst of them is the figure to watch.
const processCreation = [{ product: 'windows', category: 'process_creation', service: 'sysmon' }];
let worst = { ms: 0, shape: '', field: '' };
for (const c of ['\\', 'A', ' ', '-', '"', '.', '%', 'a\\', 'http://x/']) {
  const value = c.repeat(Math.ceil(32_768 / c.length)).slice(0, 32_768);
  for (const field of ['CommandLine', 'Image', 'ParentCommandLine', 'ParentImage', 'CurrentDirectory']) {
    const t = performance.now();
    engine.match({ Image: 'C:\\Windows\\System32\\cmd.exe', [field]: value }, processCreation);
    const ms = performance.now() - t;
    if (ms > worst.ms) worst = { ms, shape: c, field };
  }
}
console.log(JSON.stringify({ bench: 'sigma', measure: 'hostile-32kb-value', worstMs: Math.round(worst.ms * 10) / 10, shape: worst.shape, field: worst.field }));
