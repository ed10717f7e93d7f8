/**
 * Ingestion benchmark: HTTP POSTs of real alerts to the ingestion service running alone in a child process (so the
 * load generator does not share its event loop), on the embedded default (SQLite bus and state) and in memory.
 * Counts what a sender sees: 202s per second, with parsing, validation, the raw-body write and the durable publish
 * included. Prints one JSON line per bus and mode.
 *
 *   npm run bench:ingestion
 *   BENCH_SECONDS=20 BENCH_CONNECTIONS=64 npm run bench:ingestion
 *   BENCH_PROFILE_DIR=/tmp/prof npm run bench:ingestion   # CPU profile of the ingestion process (--cpu-prof)
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import autocannon from 'autocannon';

const SECONDS = Number(process.env.BENCH_SECONDS ?? 10);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 32);
const BATCH = Number(process.env.BENCH_BATCH ?? 100);
const BUSES = (process.env.BENCH_BUSES ?? 'sqlite,memory').split(',');
const TOKEN = 'bench-token-0123456789abcdef';

const templates = readFileSync(new URL('../test/fixtures/generic-alerts.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Record<string, unknown>);

interface Server {
  url: string;
  /** The server process's CPU time so far, in µs (user + system). */
  cpu(): Promise<number>;
  stop(): void;
}

async function startServer(bus: string): Promise<Server> {
  const child = spawn(process.execPath, [...(process.env.BENCH_PROFILE_DIR ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE_DIR}`] : []), new URL('./ingestion-server.ts', import.meta.url).pathname], { env: { ...process.env, BENCH_BUS: bus }, stdio: ['ignore', 'pipe', 'inherit', 'ipc'] });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (d: Buffer) => resolve(d.toString().trim()));
    child.once('exit', (code) => reject(new Error(`ingestion server exited with ${code}`)));
  });
  const cpu = () =>
    new Promise<number>((resolve) => {
      child.once('message', (m) => resolve((m as NodeJS.CpuUsage).user + (m as NodeJS.CpuUsage).system));
      child.send('cpu');
    });
  return { url, cpu, stop: () => child.kill('SIGTERM') };
}

let seq = 0;
/**
 * Request bodies as string templates with an id placeholder: the load generator shares the machine's two cores
 * with the server, so it fills in a counter instead of serialising every body anew. Every alert id stays unique
 * (a repeated id would be a cheap duplicate on the bus and flatter the result).
 */
function bodyTemplate(tag: string, batch: number): string {
  const alerts = Array.from({ length: batch }, (_, i) => ({ ...templates[i % templates.length], id: `bench-${tag}-@@SEQ@@-${i}` }));
  return JSON.stringify(batch === 1 ? alerts[0] : alerts);
}

async function load(server: Server, tag: string, batch: number) {
  const template = bodyTemplate(tag, batch);
  const cpu0 = await server.cpu();
  const result = await autocannon({
    url: `${server.url}/api/v1/alerts/generic`,
    method: 'POST',
    connections: CONNECTIONS,
    duration: SECONDS,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    requests: [
      {
        setupRequest: (req) => ({ ...req, body: template.replaceAll('@@SEQ@@', String(seq++)) }),
      },
    ],
  });
  const ok = result['2xx'];
  const serverCpuUs = (await server.cpu()) - cpu0;
  const cpuUsPerAlert = serverCpuUs / (ok * batch);
  return {
    requestsPerSecond: Math.round(ok / SECONDS),
    alertsPerSecond: Math.round((ok * batch) / SECONDS),
    // What one core running only the server would sustain: the load generator shares this machine's two cores.
    serverCpuUsPerAlert: Math.round(cpuUsPerAlert),
    alertsPerServerCpuSecond: Math.round(1e6 / cpuUsPerAlert),
    p99Ms: result.latency.p99,
    non2xx: result.non2xx,
  };
}

for (const bus of BUSES) {
  const server = await startServer(bus);
  try {
    await load(server, `${bus}-warm`, 10); // JIT and SQLite caches; not reported
    const single = await load(server, `${bus}-single`, 1);
    const batched = await load(server, `${bus}-batch`, BATCH);
    const machine = { node: process.version, cpus: cpus().length, cpu: cpus()[0]?.model.split(' ').slice(0, 2).join(' '), memGiB: Math.round(totalmem() / 2 ** 30) };
    console.log(JSON.stringify({ bench: 'ingestion', bus, mode: 'single', connections: CONNECTIONS, seconds: SECONDS, ...single, target: 3000, ...machine }));
    console.log(JSON.stringify({ bench: 'ingestion', bus, mode: `batch-${BATCH}`, connections: CONNECTIONS, seconds: SECONDS, ...batched, target: 15000, ...machine }));
  } finally {
    server.stop();
  }
}
