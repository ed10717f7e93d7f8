import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/** Emitted by notification once a message was handed to its channel. Consumed by the case view. */
export const NotificationSentV1 = defineEvent(
  'soc.notification.sent.v1',
  z.object({
    alertId: z.string(),
    actionId: z.string(),
    channel: z.enum(['email', 'teams', 'slack']),
    destinations: z.array(z.string()).min(1),
    subject: z.string().max(1024),
    /** The channel's delivery id (outbox file, SMTP message id, webhook request id). */
    deliveryId: z.string(),
  }),
  'Emitted by notification once a message was handed to its channel. Consumed by the case view.',
);
