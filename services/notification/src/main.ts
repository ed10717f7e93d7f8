import { runServices } from '@soc/platform';
import { notificationService } from './service.ts';

/** Runs the notification service alone (the same code the all-in-one process hosts). */
await runServices([notificationService]);
