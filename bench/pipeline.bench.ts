/**
 * Pipeline benchmark: drives alerts through every service in one process (deterministic triage) and prints one
 * JSON line per bus with alerts/s end to end and ingest→decision latency percentiles.
 *
 *   npm run bench                       # memory and sqlite, defaults below
 *   BENCH_ALERTS=20000 npm run bench    # more alerts for the throughput run
 *
 * "Ingest" is the moment ingestion's publish of `soc.alert.received.v1` resolves (the point a 202 is sent);
 * "decision" is when a dedicated `bench` subscription receives the alert's `soc.decision.made.v2`.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { ALL_SERVICES } from '@soc/all-in-one';
import { ALL_SUBSCRIPTIONS } from '@soc/contracts';
import { acceptBody, genericParser } from '@soc/ingestion';
import { runServices } from '@soc/platform';

const ALERTS = Number(process.env.BENCH_ALERTS ?? 10_000);
const STEADY_RATE = Number(process.env.BENCH_RATE ?? 1_000);
const STEADY_SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const BUSES = (process.env.BENCH_BUSES ?? 'memory,sqlite').split(',') as ('memory' | 'sqlite')[];

const templates = readFileSync(new URL('../test/fixtures/generic-alerts.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);

const percentile = (sorted: number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
const round = (n: number, d = 2): number => Math.round(n * 10 ** d) / 10 ** d;

async function run(bus: 'memory' | 'sqlite'): Promise<void> {
  const dataDir = mkdtempSync(join(tmpdir(), `soc-bench-${bus}-`));
  const services = process.env.BENCH_WITHOUT ? ALL_SERVICES.filter((s) => !process.env.BENCH_WITHOUT?.split(',').includes(s.name)) : ALL_SERVICES;
  const system = await runServices(services, {
    env: {
      SOC_DATA_DIR: dataDir,
      SOC_BUS: bus,
      SOC_STATE: bus === 'memory' ? 'memory' : 'sqlite',
      PORT: '0',
      HOST: '127.0.0.1',
      SOC_API_TOKEN: 'bench-token-0123456789abcdef',
      LOG_LEVEL: 'silent',
      BUS_MAX_CONCURRENCY: process.env.BUS_MAX_CONCURRENCY ?? '64',
    },
    handleSignals: false,
    name: `bench-${bus}`,
  });
  const { bus: eventBus, clock } = system.platform;
  await eventBus.ensureTopology([...ALL_SUBSCRIPTIONS, { name: 'bench', types: ['soc.decision.made.v2'] }]);
  const ingestedAt = new Map<string, number>();
  const latencies: number[] = [];
  let decided = 0;
  let onDecided: (() => void) | undefined;
  const consumer = eventBus.subscribe({ subscription: 'bench', maxConcurrency: 256 }, async (event) => {
    if (event.type === 'soc.decision.made.v2') {
      const t0 = ingestedAt.get(event.data.alert.alertId);
      if (t0 !== undefined) latencies.push(performance.now() - t0);
      decided++;
      onDecided?.();
    }
    return { emit: [] };
  });
  const waitFor = (n: number) =>
    new Promise<void>((resolve) => {
      onDecided = () => decided >= n && resolve();
      onDecided();
    });

  let seq = 0;
  const ingest = async (count: number): Promise<void> => {
    const batch = Array.from({ length: count }, () => ({ ...templates[seq % templates.length], id: `bench-${bus}-${seq++}` }));
    const outcome = acceptBody(genericParser, batch, { tenantId: 'bench', sender: 'bench', senderName: 'bench', receivedAt: clock.now(), receivedVia: 'http', maxBatch: 10_000 });
    if (!outcome.ok) throw new Error(JSON.stringify(outcome.errors[0]));
    await eventBus.publish(outcome.events);
    const now = performance.now();
    for (const r of outcome.receipts) ingestedAt.set(r.alertId, now);
  };

  // Warm-up (JIT, SQLite caches), not measured.
  await ingest(500);
  await waitFor(500);

  // 1. Throughput: ALERTS alerts ingested in batches of 100 as fast as ingestion accepts them.
  latencies.length = 0;
  const start = decided;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const ingesting = (async () => {
    for (let i = 0; i < ALERTS; i += 100) await ingest(Math.min(100, ALERTS - i));
  })();
  await ingesting;
  await waitFor(start + ALERTS);
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  // CPU time per alert is steadier than wall time on a shared machine; includes SQLite work on this thread.
  const cpuMsPerAlert = (cpu.user + cpu.system) / 1000 / ALERTS;
  const burst = [...latencies].sort((a, b) => a - b);

  // 2. Latency at a steady rate: STEADY_RATE alerts/s in 10 ms ticks for STEADY_SECONDS.
  latencies.length = 0;
  const steadyStart = decided;
  const perTick = STEADY_RATE / 100;
  const total = STEADY_RATE * STEADY_SECONDS;
  const tStart = performance.now();
  for (let sent = 0; sent < total; sent += perTick) {
    await ingest(perTick);
    const due = tStart + ((sent + perTick) / STEADY_RATE) * 1000;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  }
  const steadySendSeconds = (performance.now() - tStart) / 1000;
  await waitFor(steadyStart + total);
  const steady = [...latencies].sort((a, b) => a - b);

  await consumer.close();
  await system.close();
  // A 5,000-alert SQLite run leaves about 1 GB of data behind: removed like the notify bench's.
  rmSync(dataDir, { recursive: true, force: true });
  console.log(
    JSON.stringify({
      bus,
      state: bus === 'memory' ? 'memory' : 'sqlite',
      alerts: ALERTS,
      alertsPerSecond: Math.round(ALERTS / seconds),
      cpuMsPerAlert: round(cpuMsPerAlert, 3),
      burstLatencyMs: { p50: round(percentile(burst, 50)), p99: round(percentile(burst, 99)) },
      steady: { rate: STEADY_RATE, achievedRate: Math.round(total / steadySendSeconds), seconds: STEADY_SECONDS, p50Ms: round(percentile(steady, 50)), p99Ms: round(percentile(steady, 99)), maxMs: round(steady[steady.length - 1] ?? NaN) },
      node: process.version,
      cpus: cpus().length,
      cpu: cpus()[0]?.model,
      memGiB: Math.round(totalmem() / 2 ** 30),
    }),
  );
}

for (const bus of BUSES) await run(bus);
