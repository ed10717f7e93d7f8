import { z } from 'zod';

/** The enrichment service's own settings (platform settings are in @soc/platform). */
export const EnrichmentConfig = z.object({
  HISTORY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
});
export type EnrichmentConfig = z.infer<typeof EnrichmentConfig>;
