import { setTimeout as sleep } from 'node:timers/promises';
import { manualClock } from '@soc/runtime';
import { describe, expect, it } from 'vitest';
import { MemoryBus, NOOP_OBSERVER, type HandledDelivery } from '@soc/bus';
import { sampleAlertReceived } from '@soc/bus/testing';

const topology = [{ name: 'work', types: ['soc.alert.received.v1'] as const }];
const quiet = { warn: () => undefined, error: () => undefined };

async function until(probe: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`Timed out waiting for ${what}`);
    await sleep(5);
  }
}

describe('MemoryBus', () => {
  it('redelivers a message whose lock expired and voids the late settlement', async () => {
    const handled: HandledDelivery[] = [];
    const bus = new MemoryBus(
      { retry: { lockDurationMs: 50, maxDeliveryCount: 5 } },
      { observer: { ...NOOP_OBSERVER, handled: (h) => handled.push(h) }, logger: quiet },
    );
    await bus.ensureTopology(topology);
    const counts: number[] = [];
    let sawAbort = false;
    const consumer = bus.subscribe({ subscription: 'work', maxConcurrency: 2 }, async (_event, delivery) => {
      counts.push(delivery.deliveryCount);
      if (delivery.deliveryCount === 1) {
        await sleep(200); // overruns the 50 ms lock
        sawAbort = delivery.signal.aborted;
      }
      return { emit: [] };
    });
    await bus.publish([sampleAlertReceived(1)]);
    await until(() => handled.length === 2, 'both settlements');
    expect(counts).toEqual([1, 2]);
    expect(sawAbort).toBe(true);
    expect(handled.map((h) => [h.deliveryCount, h.result])).toEqual([
      [2, 'completed'],
      [1, 'retried'],
    ]);
    expect(handled[1]?.error).toMatchObject({ code: 'CONFLICT' });
    await consumer.close();
    await bus.close();
  });

  it('remembers published ids for the duplicate window, then forgets them', async () => {
    const clock = manualClock();
    const bus = new MemoryBus({ duplicateWindowMs: 60_000 }, { clock });
    await bus.ensureTopology(topology);
    const event = sampleAlertReceived(1);
    await bus.publish([event]);
    clock.advance(20_000);
    await bus.publish([event]);
    expect((await bus.depth())[0]?.active).toBe(1);
    clock.advance(200_000);
    await bus.publish([event]);
    expect((await bus.depth())[0]?.active).toBe(2);
    await bus.close();
  });

  it('refuses to subscribe to an undeclared subscription', async () => {
    const bus = new MemoryBus();
    expect(() => bus.subscribe({ subscription: 'nope' }, async () => ({ emit: [] }))).toThrow(
      /Unknown subscription "nope"/,
    );
    await bus.close();
  });
});
