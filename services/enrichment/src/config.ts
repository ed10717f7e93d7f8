import { z } from 'zod';

/** The enrichment service's own settings (platform settings are in @soc/platform). */
const csv = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p !== ''));

export const EnrichmentConfig = z.object({
  HISTORY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Local threat-intel feeds: comma-separated files or directories (CSV, Microsoft JSON, STIX 2.1, MISP JSON). */
  TI_FEEDS: csv,
  /** VirusTotal v3: off without a key (a secret: mount it from Key Vault). */
  VIRUSTOTAL_API_KEY: z.string().min(16).optional(),
  VIRUSTOTAL_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://www.virustotal.com'),
  /** Indicators of one alert sent to VirusTotal at most (its quota is per request). */
  VIRUSTOTAL_MAX_INDICATORS: z.coerce.number().int().min(1).max(100).default(8),
  /** Cache of external threat-intel answers, and of "nothing known" answers. */
  TI_CACHE_TTL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(360),
  TI_NEGATIVE_TTL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
});
export type EnrichmentConfig = z.infer<typeof EnrichmentConfig>;
