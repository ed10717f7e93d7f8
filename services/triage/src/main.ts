import { runServices } from '@soc/platform';
import { triageService } from './service.ts';

/** Runs the triage service alone (the same code the all-in-one process hosts). */
await runServices([triageService]);
