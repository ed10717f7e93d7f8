import { runServices } from '@soc/platform';
import { decisionService } from './service.ts';

/** Runs the decision service alone (the same code the all-in-one process hosts). */
await runServices([decisionService]);
