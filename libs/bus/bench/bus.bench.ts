/**
 * Bus benchmark: the SOC pipeline's shape (7 subscriptions, 7 events and 13 deliveries per alert) with trivial
 * handlers, so what is measured is the bus: validation, storage, locking, group commit and dispatch.
 *
 *   npx node libs/bus/bench/bus.bench.ts --adapter sqlite --alerts 20000                  # max throughput
 *   npx node libs/bus/bench/bus.bench.ts --adapter sqlite --rate 1000 --seconds 10        # hop latency at a fixed rate
 *   npx node libs/bus/bench/bus.bench.ts --adapter sqlite --processes 2 --alerts 20000    # one file, two processes
 *
 * A hop is measured from the moment an event is stamped (its producer returned, or publish() was called) to
 * the start of the handler that receives it; across processes, from the event's `time` (ms resolution).
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import {
  ALL_SUBSCRIPTIONS,
  causedBy,
  ContainmentRequestedV2,
  DecisionMadeV2,
  EVENT_DEFINITIONS,
  NotificationSentV1,
  SUBSCRIPTIONS,
  TicketCreatedV1,
  type EventByType,
  type SocEvent,
} from '@soc/contracts';
import { MemoryBus, SqliteBus, type Bus, type BusObserver, type Consumer, type EventHandler } from '@soc/bus';
import { sampleAlertEnriched, sampleAlertReceived, sampleAlertTriaged } from '@soc/bus/testing';

const { values: args } = parseArgs({
  options: {
    adapter: { type: 'string', default: 'sqlite' },
    alerts: { type: 'string', default: '20000' },
    rate: { type: 'string', default: '0' },
    seconds: { type: 'string', default: '10' },
    concurrency: { type: 'string', default: '64' },
    batch: { type: 'string', default: '50' },
    processes: { type: 'string', default: '1' },
    role: { type: 'string', default: 'main' },
    path: { type: 'string' },
    index: { type: 'string', default: '0' },
  },
});
const sentAt = new Map<string, number>();
const hops: number[] = [];
let caseViewSeen = 0;
let onCaseView: (() => void) | undefined;

const observer: BusObserver = {
  around: (_s, _e, fn) => fn(),
  handled: () => undefined,
  deadLettered: (d) => console.error('dead-lettered', d.reason, d.description),
  stamp: (event) => {
    sentAt.set(event.id, performance.now());
    return event;
  },
};

/** Deliveries each type gets in the SOC topology, so the bench forgets a send time once all have happened. */
const fanOut = new Map(
  EVENT_DEFINITIONS.map((d) => [d.type as string, ALL_SUBSCRIPTIONS.filter((s) => s.types.includes(d.type)).length]),
);
const delivered = new Map<string, number>();

function hop(event: SocEvent): void {
  const t = sentAt.get(event.id);
  hops.push(t !== undefined ? performance.now() - t : Date.now() - Date.parse(event.time));
  const n = (delivered.get(event.id) ?? 0) + 1;
  if (n >= (fanOut.get(event.type) ?? 1)) {
    sentAt.delete(event.id);
    delivered.delete(event.id);
  } else delivered.set(event.id, n);
}

/** Event time: real, so a hop that crossed processes can be timed from it. */
const now = (): Date => new Date();
const handlers: Record<keyof typeof SUBSCRIPTIONS, EventHandler> = {
  enrichment: async (e) => {
    hop(e);
    return { emit: [sampleAlertEnriched(e as EventByType<'soc.alert.received.v1'>, now())] };
  },
  triage: async (e) => {
    hop(e);
    return { emit: [sampleAlertTriaged(e as EventByType<'soc.alert.enriched.v1'>, now())] };
  },
  // The bench asks no case questions.
  caseChat: async (e) => {
    hop(e);
    return { emit: [] };
  },
  decision: async (e) => {
    hop(e);
    const t = e as EventByType<'soc.alert.triaged.v1'>;
    const data = {
      alert: t.data.alert,
      triage: t.data.triage,
      policy: { id: 'default', version: '1' },
      actions: [
        {
          kind: 'CreateTicket' as const,
          actionId: 'a-ticket',
          reason: 'high risk',
          system: 'local' as const,
          priority: 2,
        },
        {
          kind: 'PostChat' as const,
          actionId: 'a-chat',
          reason: 'high risk',
          channel: 'teams' as const,
          destination: 'soc',
        },
      ],
      rejected: [],
    };
    return { emit: [causedBy(t, DecisionMadeV2, data, { source: '/soc/decision', time: now() })] };
  },
  notification: async (e) => {
    hop(e);
    const d = e as EventByType<'soc.decision.made.v2'>;
    const data = {
      alertId: d.data.alert.alertId,
      actionId: 'a-chat',
      channel: 'teams' as const,
      destinations: ['soc'],
      subject: 'High risk alert',
      deliveryId: d.id,
    };
    return { emit: [causedBy(d, NotificationSentV1, data, { source: '/soc/notification', time: now() })] };
  },
  notificationWebhooks: async (e) => {
    hop(e);
    return { emit: [] };
  },
  ticketing: async (e) => {
    hop(e);
    const d = e as EventByType<'soc.decision.made.v2'>;
    const data = {
      alertId: d.data.alert.alertId,
      actionId: 'a-ticket',
      system: 'local' as const,
      ticketId: `T-${d.id.slice(0, 8)}`,
      priority: 2,
      status: 'new',
    };
    return { emit: [causedBy(d, TicketCreatedV1, data, { source: '/soc/ticketing', time: now() })] };
  },
  ticketingSiemWriteback: async (e) => {
    hop(e);
    return { emit: [] };
  },
  ticketingLifecycle: async (e) => {
    hop(e);
    return { emit: [] };
  },
  containment: async (e) => {
    hop(e);
    if (e.type !== 'soc.decision.made.v2') return { emit: [] };
    const data = {
      requestId: `req-${e.id.slice(0, 8)}`,
      alertId: e.data.alert.alertId,
      actionId: 'a-block',
      runbook: 'block-ip' as const,
      target: { entityId: 'ip:203.0.113.7', type: 'ip', value: '203.0.113.7' },
      reason: 'C2 address',
      status: 'pending-approval' as const,
      expiresAt: '2026-01-02T00:00:00.000Z',
    };
    return { emit: [causedBy(e, ContainmentRequestedV2, data, { source: '/soc/containment', time: now() })] };
  },
  reporting: async (e) => {
    hop(e);
    return { emit: [] };
  },
  caseView: async (e) => {
    hop(e);
    caseViewSeen++;
    onCaseView?.();
    return { emit: [] };
  },
};

function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

function waitForCaseView(target: number): Promise<void> {
  return new Promise((resolve) => {
    onCaseView = () => {
      if (caseViewSeen >= target) resolve();
    };
    onCaseView();
  });
}

const retry = { lockDurationMs: 60_000 };
const concurrency = Number(args.concurrency);
const EVENTS_PER_ALERT = 7;

function startPipeline(bus: Bus): Consumer[] {
  return (Object.keys(SUBSCRIPTIONS) as (keyof typeof SUBSCRIPTIONS)[]).map((k) =>
    bus.subscribe({ subscription: SUBSCRIPTIONS[k].name, maxConcurrency: concurrency }, handlers[k]),
  );
}

function alertEvent(n: number) {
  return { ...sampleAlertReceived(n, { run: 'bench' }), time: now().toISOString() };
}

/**
 * Publishes this process's share of alerts (numbers offset, offset + stride, …): closed loop with a bounded
 * backlog when `rate` is 0, else open loop at `rate` alerts/s for `seconds`.
 */
async function drive(
  bus: Bus,
  rate: number,
  total: number,
  seconds: number,
  offset: number,
  stride: number,
): Promise<number> {
  const batch = Number(args.batch);
  const t0 = performance.now();
  let published = 0;
  const publish = async (n: number): Promise<void> => {
    const events = Array.from({ length: n }, (_, i) => alertEvent(offset + (published + i) * stride));
    published += n;
    await bus.publish(events);
  };
  if (rate === 0) {
    const maxBacklog = 2_000;
    while (published < total) {
      while (published - caseViewSeen / EVENTS_PER_ALERT > maxBacklog) await new Promise((r) => setTimeout(r, 1));
      await publish(Math.min(batch, total - published));
    }
  } else {
    // Every ~10 ms, publish what the schedule says is due, so timer drift does not lower the rate.
    while (performance.now() - t0 < seconds * 1000) {
      const due = Math.floor(((performance.now() - t0) / 1000) * rate) - published;
      if (due > 0) await publish(due);
      await new Promise((r) => setTimeout(r, 10));
    }
  }
  return published;
}

function report(
  extra: Record<string, unknown>,
  published: number,
  elapsed: number,
  cpuSeconds: number,
  allHops: number[],
): void {
  const sorted = allHops.sort((a, b) => a - b);
  const events = published * EVENTS_PER_ALERT;
  const round = (x: number): number => Number(x.toFixed(2));
  console.log(
    JSON.stringify({
      adapter: args.adapter,
      ...extra,
      mode: Number(args.rate) === 0 ? 'max' : `rate ${args.rate}/s`,
      concurrency,
      alerts: published,
      events,
      deliveries: sorted.length,
      seconds: round(elapsed),
      alertsPerSec: Math.round(published / elapsed),
      eventsPerSec: Math.round(events / elapsed),
      deliveriesPerSec: Math.round(sorted.length / elapsed),
      hopMs: {
        p50: round(percentile(sorted, 50)),
        p90: round(percentile(sorted, 90)),
        p99: round(percentile(sorted, 99)),
        max: round(sorted.at(-1) ?? NaN),
      },
      cpuSeconds: round(cpuSeconds),
      cpuMsPerAlert: round((cpuSeconds * 1000) / published),
    }),
  );
}

/** Everything in this process. */
async function runSingle(): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'soc-bus-bench-'));
  const bus: Bus =
    args.adapter === 'memory'
      ? new MemoryBus({ retry }, { observer })
      : new SqliteBus({ path: join(dir, 'bus.db'), retry }, { observer });
  await bus.ensureTopology(ALL_SUBSCRIPTIONS);
  const consumers = startPipeline(bus);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const published = await drive(bus, Number(args.rate), Number(args.alerts), Number(args.seconds), 0, 1);
  await waitForCaseView(published * EVENTS_PER_ALERT);
  const elapsed = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  await Promise.all(consumers.map((c) => c.close()));
  await bus.close();
  rmSync(dir, { recursive: true, force: true });
  report({ processes: 1 }, published, elapsed, (cpu.user + cpu.system) / 1e6, hops);
}

/** One of several processes sharing a SQLite file: runs the whole pipeline and publishes its share. */
async function runWorker(): Promise<void> {
  const processes = Number(args.processes);
  const index = Number(args.index);
  const bus = new SqliteBus({ path: args.path as string, retry }, { observer });
  await bus.ensureTopology(ALL_SUBSCRIPTIONS);
  const consumers = startPipeline(bus);
  const progress = setInterval(() => console.log(`progress ${caseViewSeen}`), 50);
  let stop!: () => void;
  const stopped = new Promise<void>((resolve) => (stop = resolve));
  createInterface({ input: process.stdin }).on('line', (l) => l === 'stop' && stop());
  console.log('ready');
  await new Promise<void>((resolve) => createInterface({ input: process.stdin }).once('line', () => resolve()));
  const cpu0 = process.cpuUsage();
  const published = await drive(
    bus,
    Number(args.rate) / processes,
    Number(args.alerts) / processes,
    Number(args.seconds),
    index,
    processes,
  );
  console.log(`published ${published}`);
  await stopped;
  const cpu = process.cpuUsage(cpu0);
  clearInterval(progress);
  await Promise.all(consumers.map((c) => c.close()));
  await bus.close();
  console.log(`result ${JSON.stringify({ cpuSeconds: (cpu.user + cpu.system) / 1e6, hops })}`);
  process.stdin.destroy(); // the readline interfaces would otherwise keep this process alive
}

/** Spawns the workers on one file and waits until every event of every alert reached the case view. */
async function runMulti(processes: number): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'soc-bus-bench-'));
  const path = join(dir, 'bus.db');
  const setup = new SqliteBus({ path, retry });
  await setup.ensureTopology(ALL_SUBSCRIPTIONS);
  await setup.close();
  const script = fileURLToPath(import.meta.url);
  const workers = Array.from({ length: processes }, (_, i) => {
    const child = spawn(
      process.execPath,
      [script, ...process.argv.slice(2), '--role', 'worker', '--path', path, '--index', String(i)],
      {
        stdio: ['pipe', 'pipe', 'inherit'],
      },
    );
    const state = {
      child,
      seen: 0,
      published: -1,
      ready: false,
      result: undefined as undefined | { cpuSeconds: number; hops: number[] },
    };
    createInterface({ input: child.stdout }).on('line', (line) => {
      if (line === 'ready') state.ready = true;
      else if (line.startsWith('progress ')) state.seen = Number(line.slice(9));
      else if (line.startsWith('published ')) state.published = Number(line.slice(10));
      else if (line.startsWith('result '))
        state.result = JSON.parse(line.slice(7)) as { cpuSeconds: number; hops: number[] };
    });
    return state;
  });
  const tick = (): Promise<void> => new Promise((r) => setTimeout(r, 20));
  while (!workers.every((w) => w.ready)) await tick();
  const t0 = performance.now();
  for (const w of workers) w.child.stdin.write('go\n');
  while (!workers.every((w) => w.published >= 0)) await tick();
  const published = workers.reduce((n, w) => n + w.published, 0);
  let lastReport = 0;
  while (workers.reduce((n, w) => n + w.seen, 0) < published * EVENTS_PER_ALERT) {
    await tick();
    if (process.env.BENCH_DEBUG && performance.now() - lastReport > 1000) {
      lastReport = performance.now();
      console.error(`seen ${workers.map((w) => w.seen).join('+')} of ${published * EVENTS_PER_ALERT}`);
    }
  }
  const elapsed = (performance.now() - t0) / 1000;
  for (const w of workers) w.child.stdin.write('stop\n');
  while (!workers.every((w) => w.result !== undefined)) await tick();
  for (const w of workers) w.child.stdin.end();
  await Promise.all(
    workers.map(
      (w) => new Promise((resolve) => (w.child.exitCode !== null ? resolve(null) : w.child.once('exit', resolve))),
    ),
  );
  rmSync(dir, { recursive: true, force: true });
  const results = workers.map((w) => w.result as { cpuSeconds: number; hops: number[] });
  report(
    { processes },
    published,
    elapsed,
    results.reduce((n, r) => n + r.cpuSeconds, 0),
    results.flatMap((r) => r.hops),
  );
}

if (args.role === 'worker') await runWorker();
else if (Number(args.processes) > 1) await runMulti(Number(args.processes));
else await runSingle();
