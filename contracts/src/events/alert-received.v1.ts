import { z } from 'zod';
import { Alert } from '../alert.ts';
import { defineEvent } from '../envelope.ts';

/** Emitted by ingestion for every accepted, normalised alert. Consumed by enrichment. */
export const AlertReceivedV1 = defineEvent(
  'soc.alert.received.v1',
  z.object({
    alert: Alert,
    receivedAt: z.iso.datetime({ offset: true }),
    receivedVia: z.enum(['http', 'eventhubs', 'cli', 'replay']),
    /** The authenticated sender (token name, HMAC key name, `<Entra credential>:<client id>`, `eventhubs:<hub>/<partition>`), never the credential. */
    sender: z.string().max(256),
    /** Processing lane chosen from severity (and later asset criticality); higher lanes are consumed first. */
    priority: z.enum(['critical', 'high', 'normal', 'low']).default('normal'),
  }),
  'Emitted by ingestion for every accepted, normalised alert. Consumed by enrichment.',
);
