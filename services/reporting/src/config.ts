import { CronExpressionParser } from 'cron-parser';
import { z } from 'zod';
import { LogAnalyticsConfig } from '@soc/log-analytics';

const cron = (name: string) =>
  z.string().trim().min(1).refine(
    (expr) => {
      try {
        CronExpressionParser.parse(expr);
        return true;
      } catch {
        return false;
      }
    },
    { message: `${name}: not a cron expression; use five fields (minute hour day month weekday), e.g. "0 7 * * *"` },
  );

const isTimeZone = (tz: string): boolean => {
  try {
    new Intl.DateTimeFormat('en', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
};

/** The reporting service's own settings. */
export const ReportingConfig = z.object({
  /** Runs the schedule; off, the service still keeps its report rows (so `soc report` works) but sends nothing. */
  REPORT_ENABLED: z.union([z.boolean(), z.stringbool()]).default(false),
  /** When the daily report (the previous local day) is sent. Default 07:00. */
  REPORT_DAILY_CRON: cron('REPORT_DAILY_CRON').default('0 7 * * *'),
  /** When the weekly report (the previous Monday–Monday week) is sent. Default Monday 07:00. */
  REPORT_WEEKLY_CRON: cron('REPORT_WEEKLY_CRON').default('0 7 * * 1'),
  /** IANA time zone of the schedule and of the periods' days. */
  REPORT_TIMEZONE: z.string().default('UTC').refine(isTimeZone, { message: 'REPORT_TIMEZONE: not an IANA time zone, e.g. Europe/Berlin' }),
  /** Report email recipients, comma-separated; required when REPORT_ENABLED. */
  REPORT_RECIPIENTS: z
    .string()
    .default('')
    .transform((v) => v.split(',').map((s) => s.trim()).filter(Boolean))
    .pipe(z.array(z.email('REPORT_RECIPIENTS: every recipient must be an email address')).max(50)),
  /** How long the per-alert report rows are kept; 0 keeps them. Default 400 days (a year of weekly trends). */
  REPORT_RETENTION_DAYS: z.coerce.number().int().min(0).max(3650).default(400),
})
  // With LOG_ANALYTICS_WORKSPACE_ID, the figures come from SecurityAlert/SecurityIncident through the KQL guard.
  .extend(LogAnalyticsConfig.shape)
  .refine((c) => !c.REPORT_ENABLED || c.REPORT_RECIPIENTS.length > 0, {
  message: 'REPORT_RECIPIENTS: name at least one recipient when REPORT_ENABLED is true',
  path: ['REPORT_RECIPIENTS'],
});
export type ReportingConfig = z.infer<typeof ReportingConfig>;
