export type {
  CountedEntity,
  CountedKey,
  DurationStats,
  LlmUsage,
  ReportFacts,
  ReportKind,
  ReportPeriod,
  ReportSource,
  TrendPoint,
} from './ports.ts';
export { REPORT_ROWS, StateReportSource } from './adapters/state-report-source.ts';
export { FactsAccumulator, TOP_N, durationStats, rankCounts } from './facts.ts';
export { hoursOf, localDate, periodEndingBy, previousPeriod, trendBuckets } from './period.ts';
export { applyToRow, shardOf } from './report-row.ts';
export type { ReportRow } from './report-row.ts';
export { formatChange, formatDuration, renderReport, reportSubject, severityChart, trendChart } from './render.ts';
export type { RenderedReport, ReportInput } from './render.ts';
export { REPORT_LAST_SENT, REPORT_RUNS, buildReport, reportIdOf, runReport } from './report-run.ts';
export type { LastSentDoc, ReportRunDeps, ReportRunDoc, RunOutcome } from './report-run.ts';
export { duePeriods, latestTick, nextTick, startScheduler } from './scheduler.ts';
export type { ReportSchedule, RunningScheduler, SchedulerOptions, Timers } from './scheduler.ts';
export { makeReportingHandler } from './handler.ts';
export type { ReportingDeps } from './handler.ts';
export { reportingService } from './service.ts';
export { ReportingConfig } from './config.ts';
export { LogAnalyticsReportSource, reportQueries } from './adapters/log-analytics-report-source.ts';
export type { LogAnalyticsReportSourceOptions } from './adapters/log-analytics-report-source.ts';
