import { z } from 'zod';

/** The ingestion service's own settings. */
export const IngestionConfig = z.object({
  INGEST_MAX_BODY_BYTES: z.coerce.number().int().min(1024).max(100 * 1024 * 1024).default(5 * 1024 * 1024),
  INGEST_MAX_BATCH: z.coerce.number().int().min(1).max(10_000).default(1000),
});
export type IngestionConfig = z.infer<typeof IngestionConfig>;
