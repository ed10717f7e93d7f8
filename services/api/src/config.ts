import { z } from 'zod';
import { LogAnalyticsConfig } from '@soc/log-analytics';

/** The analyst API's own settings. */
export const ApiConfig = z.object({
  /** How long case events and summaries are kept; 0 keeps them forever. */
  CASE_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(0),
  /**
   * Case grouping: an alert joins the open case group of its key (tenant, source, rule, key entities) while its
   * receipt time is within this many minutes of the group's alerts; later, it opens a new group.
   */
  CASE_GROUP_WINDOW_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  /**
   * Journey watchdog: an alert answered 202 with no decision this many seconds after its receipt is stalled
   * (`soc_alerts_stalled{stage}`, one warning per alert, `GET /api/v1/alerts/stalled`).
   */
  SOC_STALL_AFTER_SECONDS: z.coerce.number().int().min(1).max(604_800).default(300),
  /**
   * Token names (principals) allowed to approve or deny containment, comma-separated. Default `api`, the
   * principal of SOC_API_TOKEN; a SIEM's sending token must not be able to approve its own containment.
   */
  CONTAINMENT_APPROVERS: z
    .string()
    .default('api')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'name at least one approver')),
  /**
   * Token names (principals) allowed to freeze and unfreeze containment, comma-separated. Default `api`, the
   * principal of SOC_API_TOKEN. (The roles work of issue 11 replaces both lists with roles.)
   */
  CONTAINMENT_ADMINS: z
    .string()
    .default('api')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'name at least one administrator')),
  /**
   * Token names allowed to run hunt queries (`/api/v1/hunt`) and read their audit trail, comma-separated; `*` for
   * every API token. Default `api`: hunting reads the workspace's logs, which a SIEM's sending token must not.
   */
  HUNT_PRINCIPALS: z
    .string()
    .default('api')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.string()).min(1, 'name at least one principal, or *')),
}).extend(LogAnalyticsConfig.shape);
export type ApiConfig = z.infer<typeof ApiConfig>;
