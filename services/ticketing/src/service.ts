import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { StateTicketSystem } from './adapters/state-ticket-system.ts';
import { TicketingConfig } from './config.ts';
import { makeTicketingHandler } from './handler.ts';

/** Composition of the ticketing service (embedded default: tickets in the state store). */
export const ticketingService: ServiceModule<TicketingConfig> = {
  name: 'ticketing',
  config: TicketingConfig,
  async start(platform) {
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.ticketing.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeTicketingHandler({ systems: [new StateTicketSystem(platform.state, () => platform.clock.now())], clock: platform.clock }),
    );
    return { close: () => consumer.close() };
  },
};
