import { join } from 'node:path';
import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { OutboxChatPoster, OutboxMailer } from './adapters/outbox-mailer.ts';
import { NotificationConfig } from './config.ts';
import { makeNotificationHandler } from './handler.ts';

/** Composition of the notification service (embedded default: outbox transports). */
export const notificationService: ServiceModule<NotificationConfig> = {
  name: 'notification',
  config: NotificationConfig,
  async start(platform, config) {
    const dir = config.NOTIFY_OUTBOX_DIR ?? join(platform.env.SOC_DATA_DIR, 'outbox');
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.notification.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeNotificationHandler({
        mailer: new OutboxMailer({ dir, from: config.NOTIFY_FROM, now: () => platform.clock.now() }),
        chat: new OutboxChatPoster({ dir }),
        clock: platform.clock,
        publicUrl: platform.env.SOC_PUBLIC_URL,
      }),
    );
    return { close: () => consumer.close() };
  },
};
