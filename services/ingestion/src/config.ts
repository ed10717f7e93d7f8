import { z } from 'zod';
import { EventHubsConfig } from './adapters/event-hubs/index.ts';

/** The ingestion service's own settings, with the Event Hubs consumer's (off unless a hub is configured). */
export const IngestionConfig = EventHubsConfig.extend({
  INGEST_MAX_BODY_BYTES: z.coerce
    .number()
    .int()
    .min(1024)
    .max(100 * 1024 * 1024)
    .default(5 * 1024 * 1024),
  /** Alerts in one HTTP body; Event Hubs batches are bounded by the hub instead. */
  INGEST_MAX_BATCH: z.coerce.number().int().min(1).max(10_000).default(1000),
  /** JSON file of sender credentials per source (bearer, HMAC, Entra ID); without it the API tokens may post to every source. */
  INGEST_AUTH_FILE: z.string().min(1).optional(),
  /** Alerts per second per sender, sustained; bursts up to INGEST_RATE_BURST (also the most one request may hold). */
  INGEST_RATE_PER_SECOND: z.coerce.number().positive().max(1_000_000).default(2000),
  INGEST_RATE_BURST: z.coerce.number().int().min(1).max(1_000_000).default(4000),
  /** Signed (HMAC) requests remembered per credential to refuse replays within its clock skew; beyond it, 429. */
  INGEST_HMAC_REPLAY_CACHE_SIZE: z.coerce.number().int().min(1_000).max(10_000_000).default(100_000),
  /** Where raw bodies (the alerts' rawRef) are kept: SQLite in $SOC_DATA_DIR/payloads.sqlite, or Azure Blob Storage (several replicas). */
  INGEST_PAYLOAD_STORE: z.enum(['sqlite', 'blob']).default('sqlite'),
  /** Blob container URL (https://<account>.blob.core.windows.net/<container>), reached with DefaultAzureCredential … */
  INGEST_PAYLOAD_BLOB_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** … or a storage connection string (a secret) with INGEST_PAYLOAD_BLOB_CONTAINER. */
  INGEST_PAYLOAD_BLOB_CONNECTION_STRING: z.string().min(1).optional(),
  INGEST_PAYLOAD_BLOB_CONTAINER: z
    .string()
    .regex(
      /^[a-z0-9](?!.*--)[a-z0-9-]{1,61}[a-z0-9]$/,
      'a blob container name: 3–63 lower-case letters, digits and hyphens',
    )
    .default('soc-ingest-payloads'),
  /** How long raw bodies are kept by the SQLite store (Blob Storage: set a lifecycle management rule instead). */
  INGEST_RAW_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(30),
  INGEST_QUARANTINE_RETENTION_DAYS: z.coerce.number().positive().max(3650).default(30),
}).superRefine((c, ctx) => {
  if (
    c.INGEST_PAYLOAD_STORE === 'blob' &&
    c.INGEST_PAYLOAD_BLOB_URL === undefined &&
    c.INGEST_PAYLOAD_BLOB_CONNECTION_STRING === undefined
  ) {
    ctx.addIssue({
      code: 'custom',
      path: ['INGEST_PAYLOAD_BLOB_URL'],
      message:
        'INGEST_PAYLOAD_STORE=blob needs INGEST_PAYLOAD_BLOB_URL (managed identity) or INGEST_PAYLOAD_BLOB_CONNECTION_STRING',
    });
  }
});
export type IngestionConfig = z.infer<typeof IngestionConfig>;
