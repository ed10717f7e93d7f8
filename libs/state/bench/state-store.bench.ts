// Throughput of the local adapters, as the pipeline drives them: one awaited call after another, ~1 KB case
// documents. Run: `npx node libs/state/bench/state-store.bench.ts` (add `--quick` for a smoke run).
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { MemoryStateStore, SqliteStateStore, updateWithRetry, type StateStore } from '@soc/state';

const quick = process.argv.includes('--quick');
const N = quick ? 2_000 : 20_000;
/** The machine is shared and noisy: every line is the median of this many rounds. */
const ROUNDS = quick ? 1 : 3;
const KEYS = 5_000;

const caseDoc = (i: number): Record<string, unknown> => ({
  caseId: `case-${i}`,
  tenantId: `tenant-${i % 7}`,
  status: i % 3 === 0 ? 'closed' : 'open',
  severity: i % 5,
  title: 'Suspicious PowerShell download cradle on ws-0042',
  summary:
    'powershell.exe spawned with an encoded command that downloads and executes a remote script; the user signed in from a new country 4 minutes earlier.',
  alerts: [`sentinel-${i}`, `defender-${i}`],
  entities: [
    { kind: 'host', id: 'ws-0042.corp.example', os: 'Windows 11' },
    { kind: 'user', id: 'alice@corp.example', department: 'Finance' },
    { kind: 'ip', id: '203.0.113.7', country: 'NL', reputation: 'suspicious' },
    {
      kind: 'process',
      id: 'powershell.exe',
      commandLine: 'powershell.exe -NoP -W Hidden -Enc SQBFAFgAKABOAGUAdwAtAE8AYgBqAGUAYwB0ACkA',
    },
  ],
  attack: [{ tactic: 'execution', techniqueId: 'T1059.001' }],
  timeline: [
    { at: '2026-01-01T00:00:00.000Z', event: 'alert.received' },
    { at: '2026-01-01T00:00:01.200Z', event: 'alert.enriched' },
    { at: '2026-01-01T00:00:02.900Z', event: 'alert.triaged', risk: 87 },
  ],
});

async function median(label: string, round: (r: number) => Promise<number>): Promise<number> {
  const results: number[] = [];
  for (let r = 0; r < ROUNDS; r++) results.push(await round(r));
  const perSecond = results.sort((a, b) => a - b)[Math.floor(results.length / 2)] ?? 0;
  console.log(`${label.padEnd(52)} ${perSecond.toLocaleString('en-US').padStart(10)} ops/s`);
  return perSecond;
}

/** One awaited call after another, as a single handler issues them. */
function measure(label: string, ops: number, fn: (i: number, round: number) => Promise<unknown>): Promise<number> {
  return median(label, async (round) => {
    const started = performance.now();
    for (let i = 0; i < ops; i++) await fn(i, round);
    return Math.round(ops / ((performance.now() - started) / 1000));
  });
}

/** `inFlight` calls at a time, as a consumer with that many concurrent handlers would issue them. */
function measureConcurrent(
  label: string,
  ops: number,
  inFlight: number,
  fn: (i: number, round: number) => Promise<unknown>,
): Promise<number> {
  return median(label, async (round) => {
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: inFlight }, async () => {
        while (next < ops) await fn(next++, round);
      }),
    );
    return Math.round(ops / ((performance.now() - started) / 1000));
  });
}

async function suite(name: string, store: StateStore): Promise<void> {
  console.log(`\n${name}`);
  // Warm-up, so the first line does not measure the JIT.
  for (let i = 0; i < 2_000; i++) {
    await store.put('warmup', `w${i}`, caseDoc(i));
    await store.get('warmup', `w${i}`);
  }
  await measureConcurrent('put, 16 in flight', N, 16, (i) => store.put('cases', `c${i % KEYS}`, caseDoc(i)));
  await measureConcurrent('updateWithRetry, 16 in flight (distinct ids)', N, 16, (i) =>
    updateWithRetry<Record<string, unknown>>(store, 'cases', `c${i % KEYS}`, (c) => ({ ...c, severity: i % 5 })),
  );
  await measureConcurrent('claimIdempotencyKey, 16 in flight', N, 16, (i, round) =>
    store.claimIdempotencyKey(`evt-c${round}-${i}`, 3600),
  );
  await measure('put (upsert, no condition)', N, (i) => store.put('cases', `c${i % KEYS}`, caseDoc(i)));
  await measure('put with ttlSeconds', N, (i) => store.put('dedup', `d${i % KEYS}`, caseDoc(i), { ttlSeconds: 3600 }));
  await measure('get (hit)', N, (i) => store.get('cases', `c${i % KEYS}`));
  const etags = new Map<string, string>();
  await measure('put with ifMatch (etag from previous write)', N, async (i) => {
    const id = `c${i % KEYS}`;
    const etag = etags.get(id) ?? (await store.get('cases', id))?.etag;
    etags.set(id, await store.put('cases', id, caseDoc(i), etag === undefined ? {} : { ifMatch: etag }));
  });
  await measure('updateWithRetry (get + conditional put)', N, (i) =>
    updateWithRetry<Record<string, unknown>>(store, 'cases', `c${i % KEYS}`, (c) => ({ ...c, severity: i % 5 })),
  );
  await measure('claimIdempotencyKey (new key)', N, (i, round) => store.claimIdempotencyKey(`evt-${round}-${i}`, 3600));
  await measure('query where status=open & tenant, limit 20', quick ? 50 : 300, (i) =>
    store.query('cases', { where: { status: 'open', tenantId: `tenant-${i % 7}` }, limit: 20 }),
  );
  await measure('query orderBy severity desc, limit 20', quick ? 50 : 300, () =>
    store.query('cases', { orderBy: { field: 'severity', direction: 'desc' }, limit: 20 }),
  );
  await store.close();
}

async function worker(path: string, ops: number): Promise<void> {
  const store = new SqliteStateStore({ path, purgeIntervalMs: 0 });
  let next = 0;
  await Promise.all(
    Array.from({ length: 16 }, async () => {
      while (next < ops) {
        const i = next++;
        await store.put('cases', `p${process.pid}-${i % KEYS}`, caseDoc(i));
      }
    }),
  );
  await store.close();
}

async function main(): Promise<void> {
  if (process.argv[2] === '--worker') return worker(process.argv[3] ?? '', Number(process.argv[4]));
  const dir = mkdtempSync(join(tmpdir(), 'soc-state-bench-'));
  try {
    console.log(
      `Node ${process.version}, ${N.toLocaleString('en-US')} ops per line, ${KEYS} distinct ids, ~${JSON.stringify(caseDoc(1)).length} B documents`,
    );
    await suite('MemoryStateStore', new MemoryStateStore());
    await suite(
      'SqliteStateStore (file, WAL, synchronous=NORMAL)',
      new SqliteStateStore({ path: join(dir, 'plain.db'), purgeIntervalMs: 0 }),
    );
    await suite(
      'SqliteStateStore, batchWrites: false (a commit per write)',
      new SqliteStateStore({ path: join(dir, 'unbatched.db'), purgeIntervalMs: 0, batchWrites: false }),
    );
    await suite(
      'SqliteStateStore (file, WAL, indexedFields status, tenantId, severity)',
      new SqliteStateStore({
        path: join(dir, 'indexed.db'),
        indexedFields: ['status', 'tenantId', 'severity'],
        purgeIntervalMs: 0,
      }),
    );

    const processes = 4;
    const perProcess = quick ? 2_000 : 20_000;
    const path = join(dir, 'shared.db');
    await new SqliteStateStore({ path, purgeIntervalMs: 0 }).close();
    const self = fileURLToPath(import.meta.url);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: processes }, () =>
        promisify(execFile)(process.execPath, [self, '--worker', path, String(perProcess)]),
      ),
    );
    const seconds = (performance.now() - started) / 1000;
    console.log(
      `\n${processes} processes, 16 puts in flight each, one file: ${Math.round((processes * perProcess) / seconds).toLocaleString('en-US')} puts/s in total (incl. process start-up)`,
    );
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

await main();
