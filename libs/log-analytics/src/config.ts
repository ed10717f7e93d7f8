import { z } from 'zod';

/**
 * Settings of KQL execution and its audit trail; a service embeds them in its config schema. Without
 * LOG_ANALYTICS_WORKSPACE_ID queries are validated and shown, never run (the embedded default).
 */
export const LogAnalyticsConfig = z.object({
  /** The workspace ID (a GUID, "Workspace ID" on the workspace's overview); set it to run queries. */
  LOG_ANALYTICS_WORKSPACE_ID: z.guid('must be the Log Analytics workspace ID, a GUID (workspace overview → Workspace ID)').optional(),
  /** Query API base for sovereign clouds, e.g. `https://api.loganalytics.azure.cn` or `https://api.loganalytics.us`. */
  LOG_ANALYTICS_ENDPOINT: z.url({ protocol: /^https$/, message: 'must be an https URL such as https://api.loganalytics.azure.cn' }).optional(),
  /** Server-side query timeout (Log Analytics allows at most 600 s). */
  LOG_ANALYTICS_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(60),
  /** Retries after HTTP 429 before a run fails with a retryable RATE_LIMITED error. */
  LOG_ANALYTICS_MAX_THROTTLE_RETRIES: z.coerce.number().int().min(0).max(10).default(2),
  /** Longest Retry-After worth waiting for within a run; a longer one fails the run at once (retryable). */
  LOG_ANALYTICS_MAX_RETRY_WAIT_SECONDS: z.coerce.number().int().min(0).max(300).default(30),
  /** A KQL guard policy file (JSON); default: the built-in policy of `@soc/kql`. */
  KQL_POLICY_FILE: z.string().min(1).optional(),
  /** How long audit records of KQL runs are kept; 0 keeps them forever. */
  KQL_AUDIT_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(365),
});
export type LogAnalyticsConfig = z.infer<typeof LogAnalyticsConfig>;
