import { runServices } from '@soc/platform';
import { enrichmentService } from './service.ts';

/** Runs the enrichment service alone (the same code the all-in-one process hosts). */
await runServices([enrichmentService]);
