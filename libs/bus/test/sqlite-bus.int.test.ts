import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { DatabaseSync } from 'node:sqlite';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import { SqliteBus, type BusObserver, type HandledDelivery } from '@soc/bus';
import { sampleAlertEnriched, sampleAlertReceived } from '@soc/bus/testing';
import type { EventByType, SocEvent } from '@soc/contracts';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WORKER_SUBSCRIPTIONS } from './support/worker-topology.ts';

const WORKER = fileURLToPath(new URL('./support/sqlite-bus-worker.ts', import.meta.url));
type Received = EventByType<'soc.alert.received.v1'>;

let dir: string;
let path: string;
const open: SqliteBus[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'soc-sqlite-bus-'));
  path = join(dir, 'bus.db');
});

afterEach(async () => {
  await Promise.all(open.splice(0).map((b) => b.close()));
  await rm(dir, { recursive: true, force: true });
});

function openBus(lockDurationMs: number, observer?: BusObserver): SqliteBus {
  const bus = new SqliteBus(
    {
      path,
      pollIntervalMs: 10,
      retry: { lockDurationMs, maxDeliveryCount: 10, initialBackoffMs: 5, maxBackoffMs: 20 },
    },
    observer === undefined ? {} : { observer },
  );
  open.push(bus);
  return bus;
}

function recorder(): { observer: BusObserver; handled: HandledDelivery[] } {
  const handled: HandledDelivery[] = [];
  return {
    handled,
    observer: {
      around: (_s, _e, fn) => fn(),
      handled: (h) => handled.push(h),
      deadLettered: () => undefined,
      stamp: (e) => e,
    },
  };
}

async function until(probe: () => boolean | Promise<boolean>, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(10);
  }
}

/** Runs the worker script in its own Node process and collects its protocol lines. */
function startWorker(args: string[]): { child: ChildProcess; lines: string[]; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [WORKER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (l) => lines.push(l));
  let stderr = '';
  child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) =>
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) console.error(`worker exited ${code}: ${stderr}`);
      resolve(code);
    }),
  );
  return { child, lines, exited };
}

describe('SqliteBus (one file, several consumers)', () => {
  it('redelivers an unsettled message to another consumer once its lock expires, and voids the late settlement', async () => {
    const a = recorder();
    const b = recorder();
    const busA = openBus(300, a.observer);
    const busB = openBus(300, b.observer);
    await busA.ensureTopology(WORKER_SUBSCRIPTIONS);
    let startedA!: () => void;
    const isStartedA = new Promise<void>((resolve) => (startedA = resolve));
    let abortedBeforeReturn = false;
    // One slot: while A's handler overruns, only B can take the expired lock (timing-independent on a loaded CI box).
    busA.subscribe({ subscription: 'work', maxConcurrency: 1 }, async (event, delivery) => {
      startedA();
      await sleep(1_000); // overruns the 300 ms lock
      abortedBeforeReturn = delivery.signal.aborted;
      return { emit: [sampleAlertEnriched(event as Received)] };
    });
    const received = sampleAlertReceived(1, { run: 'lock' });
    await busA.publish([received]);
    await isStartedA;
    const countsB: number[] = [];
    busB.subscribe({ subscription: 'work' }, async (event, delivery) => {
      countsB.push(delivery.deliveryCount);
      return { emit: [sampleAlertEnriched(event as Received)] };
    });
    const outcomes: SocEvent[] = [];
    busB.subscribe({ subscription: 'outcomes' }, async (e) => {
      outcomes.push(e);
      return { emit: [] };
    });
    await until(() => b.handled.some((h) => h.subscription === 'work' && h.result === 'completed'), 'B to complete it');
    expect(countsB).toHaveLength(1);
    expect(countsB[0]).toBeGreaterThanOrEqual(2);
    await until(() => a.handled.length >= 1, "A's late settlement");
    expect(abortedBeforeReturn).toBe(true);
    for (const late of a.handled) expect(late).toMatchObject({ result: 'retried', error: { code: 'CONFLICT' } });
    await until(() => outcomes.length === 1, 'the outcome');
    await sleep(100);
    expect(outcomes.map((e) => e.causationid)).toEqual([received.id]);
    expect((await busB.depth()).find((d) => d.subscription === 'work')).toEqual({
      subscription: 'work',
      active: 0,
      deadLettered: 0,
      scheduled: 0,
    });
  });

  it('two OS processes on one file never both complete the same delivery, even with locks expiring under them', async () => {
    const N = 300;
    const seed = openBus(60_000);
    await seed.ensureTopology(WORKER_SUBSCRIPTIONS);
    const events = Array.from({ length: N }, (_, i) => sampleAlertReceived(i, { run: 'race' }));
    await seed.publish(events);
    await seed.close();
    // 60 ms locks and handlers sleeping up to 90 ms: about a third overrun their lock and are taken over.
    const workers = [startWorker(['consume', path, '60', '90']), startWorker(['consume', path, '60', '90'])];
    const codes = await Promise.all(workers.map((w) => w.exited));
    expect(codes).toEqual([0, 0]);
    const completed = workers.flatMap((w) =>
      w.lines.filter((l) => l.startsWith('completed ')).map((l) => l.slice('completed '.length)),
    );
    const handled = workers.flatMap((w) => w.lines.filter((l) => l.startsWith('handled ')));
    expect(new Set(completed).size).toBe(completed.length); // nobody completed anything twice
    expect(completed.sort()).toEqual(events.map((e) => e.id).sort()); // and everything was completed once
    expect(handled.length).toBeGreaterThan(N); // lock expiry really did cause redeliveries
    expect(workers.every((w) => w.lines.some((l) => l.startsWith('completed ')))).toBe(true); // both took part
    const check = openBus(60_000);
    const depth = await check.depth();
    expect(depth.find((d) => d.subscription === 'work')).toEqual({ subscription: 'work', active: 0, deadLettered: 0, scheduled: 0 });
    // Outcomes of lock-lost handlers were never written: exactly one per input.
    expect(depth.find((d) => d.subscription === 'outcomes')?.active).toBe(N);
  }, 60_000);

  it('a process killed with SIGKILL mid-batch loses nothing it had published', async () => {
    const worker = startWorker(['publish-and-consume', path, '500']);
    const acked = (): string[] =>
      worker.lines.filter((l) => l.startsWith('acked ')).flatMap((l) => l.slice('acked '.length).split(' '));
    await until(() => acked().length >= 400, 'the worker to publish', 30_000);
    worker.child.kill('SIGKILL');
    await worker.exited;
    const ackedIds = acked();

    const db = new DatabaseSync(path);
    expect(db.prepare('PRAGMA integrity_check').get()).toEqual({ integrity_check: 'ok' });
    db.close();

    // Recover: another process drains what the dead one left (its locks expire after 500 ms).
    const bus = openBus(500);
    await bus.ensureTopology(WORKER_SUBSCRIPTIONS);
    bus.subscribe({ subscription: 'work', maxConcurrency: 32 }, async (event) => ({
      emit: [sampleAlertEnriched(event as Received)],
    }));
    const causes = new Set<string>();
    bus.subscribe({ subscription: 'outcomes', maxConcurrency: 32 }, async (e) => {
      causes.add(e.causationid ?? '');
      return { emit: [] };
    });
    await until(() => ackedIds.every((id) => causes.has(id)), 'an outcome for every acknowledged publish', 30_000);
    const work = (await bus.depth()).find((d) => d.subscription === 'work');
    expect(work?.deadLettered).toBe(0);
  }, 60_000);

  it('a bus opened after a process died holding locks redelivers its messages at once; a live one keeps its locks', async () => {
    const publisher = openBus(60_000);
    await publisher.ensureTopology(WORKER_SUBSCRIPTIONS);
    const events = Array.from({ length: 8 }, (_, i) => sampleAlertReceived(i, { run: 'takeover' }));
    await publisher.publish(events);
    // The worker locks all 8 (60 s locks) and never finishes them.
    const worker = startWorker(['consume', path, '60000', 'forever']);
    await until(() => worker.lines.filter((l) => l.startsWith('handled ')).length === 8, 'the worker to lock every message', 30_000);

    const seen = new Map<string, number>();
    const consume = (bus: SqliteBus) =>
      bus.subscribe({ subscription: 'work', maxConcurrency: 8 }, async (event, delivery) => {
        seen.set(event.id, delivery.deliveryCount);
        return { emit: [] };
      });
    // A bus opened beside the live worker must not take its messages.
    consume(openBus(60_000));
    await sleep(1_500);
    expect(seen.size).toBe(0);

    worker.child.kill('SIGKILL');
    await worker.exited;
    // Opened after the death (as a restarted all-in-one would be): the dead process's locks are freed now, not in 60 s.
    consume(openBus(60_000));
    await until(() => seen.size === 8, "the dead process's messages, long before its 60 s locks expire", 20_000);
    expect([...seen.keys()].sort()).toEqual(events.map((e) => e.id).sort());
    // The killed attempt counts as a delivery.
    expect([...seen.values()]).toEqual(Array(8).fill(2));
  }, 60_000);
});
