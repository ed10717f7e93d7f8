import { z } from 'zod';

/** The analyst API's own settings. */
export const ApiConfig = z.object({
  /** How long case events and summaries are kept; 0 keeps them forever. */
  CASE_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(0),
});
export type ApiConfig = z.infer<typeof ApiConfig>;
