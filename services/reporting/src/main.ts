import { runServices } from '@soc/platform';
import { reportingService } from './service.ts';

/** Runs the reporting service alone (the same code the all-in-one process hosts). */
await runServices([reportingService]);
