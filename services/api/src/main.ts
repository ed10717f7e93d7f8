import { runServices } from '@soc/platform';
import { apiService } from './service.ts';

/** Runs the analyst API alone (the same code the all-in-one process hosts). */
await runServices([apiService]);
