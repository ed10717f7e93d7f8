import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/** Emitted by the bus layer when a message is dead-lettered, so the case shows where its journey stopped. */
export const ProcessingFailedV1 = defineEvent(
  'soc.processing.failed.v1',
  z.object({
    subscription: z.string(),
    failedEventId: z.string(),
    failedEventType: z.string(),
    alertId: z.string().optional(),
    reason: z.string().max(256),
    description: z.string().max(4096),
    deliveryCount: z.number().int().min(0),
  }),
  'Emitted by the bus layer when a message is dead-lettered, so the case shows where its journey stopped.',
);
