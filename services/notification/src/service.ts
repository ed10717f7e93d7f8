import { join } from 'node:path';
import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { OutboxChatPoster } from './adapters/outbox-mailer.ts';
import { NotificationConfig } from './config.ts';
import { makeNotificationHandler } from './handler.ts';
import { type MailerDeps, openMailer } from './open-mailer.ts';

/**
 * Composition of the notification service: e-mail by `NOTIFY_EMAIL_TRANSPORT` (embedded default: the outbox), chat
 * to the outbox. `deps` are the seams of tests (a fixed Graph credential); production passes none.
 */
export function makeNotificationService(deps: MailerDeps = {}): ServiceModule<NotificationConfig> {
  return {
    name: 'notification',
    config: NotificationConfig,
    async start(platform, config) {
      const dir = config.NOTIFY_OUTBOX_DIR ?? join(platform.env.SOC_DATA_DIR, 'outbox');
      const mail = await openMailer(config, platform, dir, deps);
      const consumer = platform.bus.subscribe(
        { subscription: SUBSCRIPTIONS.notification.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
        makeNotificationHandler({
          mailer: mail.mailer,
          chat: new OutboxChatPoster({ dir }),
          clock: platform.clock,
          publicUrl: platform.env.SOC_PUBLIC_URL,
        }),
      );
      return {
        close: async () => {
          await consumer.close();
          mail.close();
        },
      };
    },
  };
}

/** The notification service as production runs it. */
export const notificationService: ServiceModule<NotificationConfig> = makeNotificationService();
