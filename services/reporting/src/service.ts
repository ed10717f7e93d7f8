import { hostname } from 'node:os';
import { SUBSCRIPTIONS } from '@soc/contracts';
import { openKqlExecutor } from '@soc/log-analytics';
import type { ServiceModule } from '@soc/platform';
import { LogAnalyticsReportSource } from './adapters/log-analytics-report-source.ts';
import { StateReportSource } from './adapters/state-report-source.ts';
import { ReportingConfig } from './config.ts';
import { makeReportingHandler } from './handler.ts';
import { runReport } from './report-run.ts';
import { type RunningScheduler, startScheduler } from './scheduler.ts';

/**
 * Composition of the reporting service: keeps report rows from the alert events and, when REPORT_ENABLED, runs the
 * daily and weekly schedule: facts from the state store (embedded default) or, with LOG_ANALYTICS_WORKSPACE_ID, from
 * Sentinel's SecurityAlert and SecurityIncident tables through the guarded, audited KQL executor.
 */
export const reportingService: ServiceModule<ReportingConfig> = {
  name: 'reporting',
  config: ReportingConfig,
  async start(platform, config) {
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.reporting.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeReportingHandler({ store: platform.state, ...(config.REPORT_RETENTION_DAYS ? { retentionDays: config.REPORT_RETENTION_DAYS } : {}) }),
    );
    let scheduler: RunningScheduler | undefined;
    if (config.REPORT_ENABLED) {
      const source =
        config.LOG_ANALYTICS_WORKSPACE_ID === undefined
          ? new StateReportSource(platform.state)
          : new LogAnalyticsReportSource({ executor: openKqlExecutor(config, { state: platform.state, log: platform.log, clock: platform.clock, trail: platform.audit }).executor, clock: platform.clock });
      const owner = `${hostname()}:${process.pid}`;
      scheduler = startScheduler({
        schedules: [
          { kind: 'daily', cron: config.REPORT_DAILY_CRON, timeZone: config.REPORT_TIMEZONE },
          { kind: 'weekly', cron: config.REPORT_WEEKLY_CRON, timeZone: config.REPORT_TIMEZONE },
        ],
        clock: platform.clock,
        log: platform.log,
        run: (period) =>
          runReport(period, {
            store: platform.state,
            source,
            bus: platform.bus,
            clock: platform.clock,
            log: platform.log,
            recipients: config.REPORT_RECIPIENTS,
            tenantId: platform.env.SOC_TENANT_ID,
            owner,
          }),
      });
      platform.log.info({ source: config.LOG_ANALYTICS_WORKSPACE_ID === undefined ? 'state-store' : 'log-analytics', daily: config.REPORT_DAILY_CRON, weekly: config.REPORT_WEEKLY_CRON, timeZone: config.REPORT_TIMEZONE, recipients: config.REPORT_RECIPIENTS.length }, 'report schedule started');
    }
    return {
      close: async () => {
        await scheduler?.close();
        await consumer.close();
      },
    };
  },
};
