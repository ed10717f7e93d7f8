import { runServices } from '@soc/platform';
import { ingestionService } from './service.ts';

/** Runs the ingestion service alone (the same code the all-in-one process hosts). */
await runServices([ingestionService]);
