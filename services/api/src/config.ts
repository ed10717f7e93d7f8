import { z } from 'zod';
import { LogAnalyticsConfig } from '@soc/log-analytics';

/** A variable that roles replaced: any value stops the start with how to say it in SOC_API_ROLES. */
const retired = (name: string, role: string) =>
  // An empty value (a chart's '' default) is unset.
  z.preprocess((v) => (v === '' ? undefined : v), z.undefined({ error: `${name} is replaced by roles: grant each of its principals the ${role} role in SOC_API_ROLES (e.g. alice:${role}) and remove ${name}` }).optional());

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
   * Retired: approvers and hunters are roles now (`SOC_API_ROLES=alice:approver,hugo:hunter`). Still set, the start
   * stops with this message instead of silently granting nothing, or everything (`*`).
   */
  CONTAINMENT_APPROVERS: retired('CONTAINMENT_APPROVERS', 'approver'),
  HUNT_PRINCIPALS: retired('HUNT_PRINCIPALS', 'hunter'),
}).extend(LogAnalyticsConfig.shape);
export type ApiConfig = z.infer<typeof ApiConfig>;
