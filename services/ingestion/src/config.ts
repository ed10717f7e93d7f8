import { z } from 'zod';
import { EventHubsConfig } from './adapters/event-hubs/index.ts';

/** The ingestion service's own settings, with the Event Hubs consumer's (off unless a hub is configured). */
export const IngestionConfig = EventHubsConfig.extend({
  INGEST_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(5 * 1024 * 1024),
  /** Alerts in one HTTP body; Event Hubs batches are bounded by the hub instead. */
  INGEST_MAX_BATCH: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** JSON file of sender credentials per source (bearer, HMAC, Entra ID); without it the API tokens may post to every source. */
  INGEST_AUTH_FILE: z.string().min(1).optional(),
  /** Requests per second per sender, sustained; bursts up to INGEST_RATE_BURST. */
  INGEST_RATE_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(2000),
  INGEST_RATE_BURST: z.coerce.number().int().min(1).max(1_000_000).default(4000),
  /** How long raw bodies (the alerts' rawRef) are kept. */
  INGEST_RAW_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(30),
  INGEST_QUARANTINE_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(30),
});
export type IngestionConfig = z.infer<typeof IngestionConfig>;
