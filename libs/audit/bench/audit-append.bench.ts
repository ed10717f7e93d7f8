// Append throughput of the audit log on SQLite state: `npx node libs/audit/bench/audit-append.bench.ts`.
// One writer sequentially; 16 callers on one trail (one process: serialised in-process, no conflicts); 4 writers on
// 4 connections to one file (4 processes on one stream: they race for each number); 4 writers on 4 streams.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { SqliteStateStore } from '@soc/state';
import { StateAuditTrail } from '../src/index.ts';

const N = Number(process.env['AUDIT_BENCH_N'] ?? 4000);
const dir = mkdtempSync(join(tmpdir(), 'soc-audit-bench-'));
let files = 0;
const entry = (kind: string, i: number) => ({ kind, actor: 'decision', subject: `alt-${i}`, tenantId: 'default', data: { policyId: 'default', policyVersion: '3', actions: [{ kind: 'notify', id: `act-${i}` }], refusals: 0 } });

async function run(name: string, writers: number, inFlight: number, streams: (w: number) => string): Promise<void> {
  const path = join(dir, `bench-${++files}.sqlite`);
  const stores = Array.from({ length: writers }, () => new SqliteStateStore({ path, purgeIntervalMs: 0 }));
  const trails = stores.map((s) => new StateAuditTrail(s));
  const per = Math.floor(N / writers);
  const started = performance.now();
  await Promise.all(
    trails.flatMap((trail, w) =>
      Array.from({ length: inFlight }, async (_, lane) => {
        for (let i = lane; i < per; i += inFlight) await trail.append(entry(streams(w), w * per + i));
      }),
    ),
  );
  const seconds = (performance.now() - started) / 1000;
  const verdict = await trails[0]!.verify();
  const verifyStarted = performance.now();
  await trails[0]!.verify();
  const verifySeconds = (performance.now() - verifyStarted) / 1000;
  console.log(`${name.padEnd(48)} ${Math.round((per * writers) / seconds).toString().padStart(6)} appends/s   verify ${verdict.ok ? 'ok' : 'BAD'} ${verdict.count} records at ${Math.round(verdict.count / verifySeconds)} records/s`);
  for (const s of stores) await s.close();
}

await run('1 writer, sequential', 1, 1, () => 'decision.made');
await run('1 writer, 16 callers in flight', 1, 16, () => 'decision.made');
await run('4 writers (connections), one stream', 4, 1, () => 'decision.made');
await run('4 writers (connections), one stream each', 4, 1, (w) => `s${w}.made`);
rmSync(dir, { recursive: true, force: true });
