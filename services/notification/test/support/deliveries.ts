import { randomUUID } from 'node:crypto';
import { MemoryBus } from '@soc/bus';
import { injectRawMemory } from '@soc/bus/testing';
import type { SocEvent } from '@soc/contracts';
import type { RunningSystem } from '@soc/platform';

/** The running system's bus, which must be the embedded in-memory one (`SOC_BUS=memory`) for redeliveries. */
export function memoryBusOf(system: RunningSystem): MemoryBus {
  const { bus } = system.platform;
  if (!(bus instanceof MemoryBus)) throw new Error('these tests need SOC_BUS=memory');
  return bus;
}

/**
 * Delivers `event` again on one subscription under its own message id, as a broker does after a lost lock or a
 * crash before completion (a publish of a known id would be dropped by duplicate detection, so it would not test
 * the consumer).
 */
export function redeliver(system: RunningSystem, subscription: string, event: SocEvent): Promise<void> {
  return injectRawMemory(memoryBusOf(system), subscription, JSON.parse(JSON.stringify(event)) as unknown, event.id);
}

/** The same decision published again under a new event id (a replay: same alert, same revision, same actions). */
export function replayOf<E extends SocEvent>(event: E): E {
  return { ...structuredClone(event), id: randomUUID() };
}

/** Waits until the subscription has nothing ready, waiting or in flight (every delivery settled). */
export async function settled(system: RunningSystem, subscription: string, ms = 8_000): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    const depth = (await system.platform.bus.depth()).find((d) => d.subscription === subscription);
    if (depth === undefined) throw new Error(`no subscription ${subscription}`);
    if (depth.active === 0) return;
    if (Date.now() > deadline) throw new Error(`${subscription}: ${depth.active} deliveries still unsettled`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Polls until `check` holds. */
export async function until(check: () => boolean, what: string, ms = 8_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}
