import { CronExpressionParser } from 'cron-parser';
import type { ReportKind, ReportPeriod } from './ports.ts';

/** Local midnights that cut periods: every day for daily reports, Mondays for weekly (ISO weeks). */
const BOUNDARY: Readonly<Record<ReportKind, string>> = { daily: '0 0 * * *', weekly: '0 0 * * 1' };

/** The latest boundary of `kind` at or before `at`, in `timeZone` (DST-aware through the cron parser). */
function boundaryAtOrBefore(kind: ReportKind, at: Date, timeZone: string): Date {
  return CronExpressionParser.parse(BOUNDARY[kind], { currentDate: new Date(at.getTime() + 1), tz: timeZone }).prev().toDate();
}

/**
 * The last complete period of `kind` at `at`: for daily, the local day before the one `at` falls in (or the day
 * that ends exactly at `at`); for weekly, the Monday–Monday week likewise.
 */
export function periodEndingBy(kind: ReportKind, at: Date, timeZone: string): ReportPeriod {
  const end = boundaryAtOrBefore(kind, at, timeZone);
  const start = boundaryAtOrBefore(kind, new Date(end.getTime() - 1), timeZone);
  return { kind, start: start.toISOString(), end: end.toISOString(), timeZone };
}

/** The period of the same kind just before `period` (the trend's comparison). */
export function previousPeriod(period: ReportPeriod): ReportPeriod {
  return periodEndingBy(period.kind, new Date(period.start), period.timeZone);
}

/**
 * Start instants of the trend buckets of a period: hours for daily (23 or 25 on DST days), local days for weekly.
 * The last bucket ends at the period's end.
 */
export function trendBuckets(period: ReportPeriod): string[] {
  const start = Date.parse(period.start);
  const end = Date.parse(period.end);
  const out: string[] = [];
  if (period.kind === 'daily') {
    for (let t = start; t < end; t += 3_600_000) out.push(new Date(t).toISOString());
    return out;
  }
  const days = CronExpressionParser.parse(BOUNDARY.daily, { currentDate: new Date(start - 1), tz: period.timeZone });
  for (let t = days.next().getTime(); t < end; t = days.next().getTime()) out.push(new Date(t).toISOString());
  return out;
}

/** The UTC hours (`YYYY-MM-DDTHH`) that overlap a period, for paging rows by `receivedHour`. */
export function hoursOf(period: ReportPeriod): string[] {
  const first = Math.floor(Date.parse(period.start) / 3_600_000) * 3_600_000;
  const out: string[] = [];
  for (let t = first; t < Date.parse(period.end); t += 3_600_000) out.push(new Date(t).toISOString().slice(0, 13));
  return out;
}

/** A day as the period's time zone shows it, e.g. `2025-03-18`. */
export function localDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-CA', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).format(new Date(iso));
}

/** An hour as the period's time zone shows it, e.g. `07`. */
export function localHour(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat('en-GB', { timeZone, hour: '2-digit', hourCycle: 'h23' }).format(new Date(iso));
}
