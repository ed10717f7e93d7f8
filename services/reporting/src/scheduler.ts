import { CronExpressionParser } from 'cron-parser';
import type { Logger } from '@soc/observability';
import type { Clock } from '@soc/runtime';
import { periodEndingBy } from './period.ts';
import type { ReportKind, ReportPeriod } from './ports.ts';
import type { RunOutcome } from './report-run.ts';

/** When a kind of report is due: a cron expression in a time zone. */
export interface ReportSchedule {
  kind: ReportKind;
  cron: string;
  timeZone: string;
}

/** The latest tick of `cron` at or before `at`. */
export function latestTick(cron: string, timeZone: string, at: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: new Date(at.getTime() + 1), tz: timeZone }).prev().toDate();
}

/** The first tick of `cron` after `at`. */
export function nextTick(cron: string, timeZone: string, at: Date): Date {
  return CronExpressionParser.parse(cron, { currentDate: at, tz: timeZone }).next().toDate();
}

/**
 * The report each schedule owes at `now`: the period that ended by the schedule's latest tick. Only the latest
 * tick counts, so a process that was down across several ticks catches up once, with the newest period.
 */
export function duePeriods(schedules: readonly ReportSchedule[], now: Date): ReportPeriod[] {
  return schedules.map((s) => periodEndingBy(s.kind, latestTick(s.cron, s.timeZone, now), s.timeZone));
}

/** Timers, injectable so tests drive the scheduler without waiting. */
export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

/** Options of {@link startScheduler}. */
export interface SchedulerOptions {
  schedules: readonly ReportSchedule[];
  clock: Clock;
  /** Runs one period's report (claim, build, publish); safe to call again for a period already done. */
  run: (period: ReportPeriod) => Promise<RunOutcome>;
  log: Pick<Logger, 'info' | 'warn'>;
  timers?: Timers;
  /** Longest sleep: wakes at least this often to re-check (clock jumps, long cron gaps). Default 1 h. */
  maxSleepMs?: number;
  /** Wait after a failed run before trying again. Default 1 min. */
  retryMs?: number;
}

/** A running scheduler. */
export interface RunningScheduler {
  /** Runs what is due now (the start-up catch-up and every wake-up call this). */
  runDue(): Promise<void>;
  close(): Promise<void>;
}

/**
 * Starts the report schedule: runs what is due at once (catch-up), then sleeps until the next tick of any schedule
 * and runs again. Replicas may all run it: the run's claim lets one publish each (kind, period).
 */
export function startScheduler(options: SchedulerOptions): RunningScheduler {
  const timers: Timers = options.timers ?? { setTimeout: (fn, ms) => setTimeout(fn, ms), clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout) };
  const maxSleep = options.maxSleepMs ?? 3_600_000;
  const retryMs = options.retryMs ?? 60_000;
  let handle: unknown;
  let closed = false;
  let inFlight: Promise<void> = Promise.resolve();

  const runDue = async (): Promise<boolean> => {
    let ok = true;
    for (const period of duePeriods(options.schedules, options.clock.now())) {
      try {
        const outcome = await options.run(period);
        if (outcome !== 'already-done') options.log.info({ kind: period.kind, periodStart: period.start, outcome }, 'report run');
      } catch (error) {
        ok = false;
        options.log.warn({ kind: period.kind, periodStart: period.start, err: error }, 'report run failed; retrying later');
      }
    }
    return ok;
  };

  const arm = (ok: boolean): void => {
    if (closed) return;
    const now = options.clock.now();
    const next = Math.min(...options.schedules.map((s) => nextTick(s.cron, s.timeZone, now).getTime()));
    const delay = ok ? Math.min(maxSleep, Math.max(0, next - now.getTime())) : retryMs;
    handle = timers.setTimeout(() => {
      inFlight = runDue().then(arm);
    }, delay);
  };

  inFlight = runDue().then(arm);
  return {
    runDue: async () => {
      await runDue();
    },
    close: async () => {
      closed = true;
      timers.clearTimeout(handle);
      await inFlight;
    },
  };
}
