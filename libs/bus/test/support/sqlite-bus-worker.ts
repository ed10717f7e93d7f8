/**
 * A child process for the SqliteBus multi-process tests. Speaks line by line on stdout:
 *   handled <eventId> <deliveryCount>   a handler started
 *   completed <eventId>                 this process's completion committed
 *   acked <eventId> …                   a publish committed (publish mode)
 *
 *   node sqlite-bus-worker.ts consume <path> <lockDurationMs> <maxSleepMs>
 *   node sqlite-bus-worker.ts publish-and-consume <path> <lockDurationMs>
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { SqliteBus, type BusObserver } from '@soc/bus';
import { sampleAlertEnriched, sampleAlertReceived } from '@soc/bus/testing';
import type { EventByType } from '@soc/contracts';
import { WORKER_SUBSCRIPTIONS } from './worker-topology.ts';

const [mode, path, lockArg, sleepArg] = process.argv.slice(2);
if (path === undefined || lockArg === undefined) throw new Error('usage: <mode> <path> <lockDurationMs> [maxSleepMs]');

const out = (line: string): void => {
  process.stdout.write(`${line}\n`);
};
const observer: BusObserver = {
  around: (_s, _e, fn) => fn(),
  handled: (h) => {
    if (h.result === 'completed') out(`completed ${h.event.id}`);
  },
  deadLettered: (d) => out(`dead ${d.messageId} ${d.reason}`),
  stamp: (e) => e,
};

const bus = new SqliteBus(
  {
    path,
    pollIntervalMs: 5,
    retry: { lockDurationMs: Number(lockArg), maxDeliveryCount: 1_000, initialBackoffMs: 1, maxBackoffMs: 5 },
  },
  { observer },
);
await bus.ensureTopology(WORKER_SUBSCRIPTIONS);
const maxSleep = sleepArg === 'forever' ? 0 : Number(sleepArg ?? 0);
const consumer = bus.subscribe({ subscription: 'work', maxConcurrency: 8 }, async (event, delivery) => {
  out(`handled ${event.id} ${delivery.deliveryCount}`);
  // Deliberately ignores delivery.signal: a slow handler that overruns its lock is what these tests provoke.
  if (sleepArg === 'forever') await new Promise(() => undefined); // holds its lock until the process dies
  if (maxSleep > 0) await sleep(Math.random() * maxSleep);
  return { emit: [sampleAlertEnriched(event as EventByType<'soc.alert.received.v1'>)] };
});

if (mode === 'consume') {
  // Exit once the work subscription has stayed empty (nothing visible, nothing locked) for a moment.
  let emptySince = 0;
  for (;;) {
    await sleep(50);
    const work = (await bus.depth()).find((d) => d.subscription === 'work');
    if (work?.active !== 0) {
      emptySince = 0;
      continue;
    }
    emptySince ||= Date.now();
    if (Date.now() - emptySince > 300) break;
  }
  await consumer.close();
  await bus.close();
} else if (mode === 'publish-and-consume') {
  // Publishes until killed; every line printed is a batch whose commit returned.
  for (let n = 0; ; n += 20) {
    const events = Array.from({ length: 20 }, (_, i) => sampleAlertReceived(n + i, { run: 'crash' }));
    await bus.publish(events);
    out(`acked ${events.map((e) => e.id).join(' ')}`);
  }
} else {
  throw new Error(`unknown mode ${mode}`);
}
