import { randomUUID } from 'node:crypto';
import type { SocEvent } from '@soc/contracts';
import { MemoryBus } from '../adapters/memory-bus.ts';
import type { Bus } from '../port.ts';
import { injectRawMemory } from './inject.ts';

/** What these helpers read of a running system (`runServices`' result): its bus. */
export interface WithBus {
  readonly platform: { readonly bus: Bus };
}

/** The running system's bus, which must be the embedded in-memory one (`SOC_BUS=memory`) for redeliveries. */
export function memoryBusOf(system: WithBus): MemoryBus {
  const { bus } = system.platform;
  if (!(bus instanceof MemoryBus)) throw new Error('these tests need SOC_BUS=memory');
  return bus;
}

/**
 * Delivers `event` again on one subscription under its own message id, as a broker does after a lost lock or a
 * crash before completion (a publish of a known id would be dropped by duplicate detection, so it would not test
 * the consumer). Needs `SOC_BUS=memory`.
 */
export function redeliver(system: WithBus, subscription: string, event: SocEvent): Promise<void> {
  return injectRawMemory(memoryBusOf(system), subscription, JSON.parse(JSON.stringify(event)) as unknown, event.id);
}

/** The same event published again under a new event id (a replay: same alert, same revision, same actions). */
export function replayOf<E extends SocEvent>(event: E): E {
  return { ...structuredClone(event), id: randomUUID() };
}

/** Waits until the subscription has nothing ready, waiting or in flight (every delivery settled). */
export async function settled(system: WithBus, subscription: string, ms = 8_000): Promise<void> {
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
