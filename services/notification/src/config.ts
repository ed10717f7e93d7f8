import { z } from 'zod';

/** The notification service's own settings. */
export const NotificationConfig = z.object({
  NOTIFY_OUTBOX_DIR: z.string().min(1).optional(),
  NOTIFY_FROM: z.email().default('soc-copilot@localhost'),
});
export type NotificationConfig = z.infer<typeof NotificationConfig>;
