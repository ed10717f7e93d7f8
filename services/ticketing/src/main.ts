import { runServices } from '@soc/platform';
import { ticketingService } from './service.ts';

/** Runs the ticketing service alone (the same code the all-in-one process hosts). */
await runServices([ticketingService]);
