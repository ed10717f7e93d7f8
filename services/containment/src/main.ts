import { runServices } from '@soc/platform';
import { containmentService } from './service.ts';

/** Runs the containment service alone (the same code the all-in-one process hosts). */
await runServices([containmentService]);
