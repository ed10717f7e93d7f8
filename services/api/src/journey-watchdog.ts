import { Gauge, type Registry } from 'prom-client';
import type { Logger } from '@soc/observability';
import type { Clock } from '@soc/runtime';
import { foldCase } from './case-view.ts';
import type { CaseStore, CaseSummary } from './ports.ts';
import { PENDING_STAGES, type StalledAlert, countByStage, findStalled } from './watchdog.ts';

/** Undecided cases read per scan, oldest first (the state store's page limit): the oldest are the ones that matter. */
const STALL_SCAN_LIMIT = 1_000;
/** Stalled cases whose events are read at once to learn their stage. */
const STAGE_READS_IN_FLIGHT = 16;

/**
 * One scan: the undecided cases received at least `stallAfterMs` before `now`, each with the stage its events have
 * reached (the summary only knows received / decided). Reads only, so any number of api replicas may run it.
 */
export async function scanStalled(cases: CaseStore, now: Date, stallAfterMs: number, limit = STALL_SCAN_LIMIT, visible: (summary: CaseSummary) => boolean = () => true): Promise<StalledAlert[]> {
  // `visible`: the caller's tenants (the route); the watchdog's metric counts every tenant.
  const undecided = (await cases.listUndecided({ limit })).filter(visible);
  // Age first, from the summaries alone: only overdue cases cost a read of their events.
  // A journey is aged from the receipt of the revision it is about: a re-sent alert whose first revision arrived
  // an hour ago and whose new revision is being triaged right now has not stalled.
  const overdue = findStalled(
    undecided.map((s) => ({ alertId: s.alertId, correlationId: s.correlationId, receivedAt: s.revision?.receivedAt ?? s.receivedAt, stage: 'received' as const })),
    now,
    stallAfterMs,
  );
  const journeys = [];
  for (let i = 0; i < overdue.length; i += STAGE_READS_IN_FLIGHT) {
    const batch = overdue.slice(i, i + STAGE_READS_IN_FLIGHT);
    journeys.push(
      ...(await Promise.all(
        batch.map(async (s) => {
          const view = foldCase(s.alertId, await cases.events(s.alertId));
          return { ...s, stage: view.stage, receivedAt: view.revisions[0]?.receivedAt ?? s.receivedAt };
        }),
      )),
    );
  }
  // Again with the real stages: a decision the summary has not caught up with is not a stall.
  return findStalled(journeys, now, stallAfterMs);
}

/** Options of {@link startJourneyWatchdog}. */
export interface JourneyWatchdogOptions {
  readonly cases: CaseStore;
  readonly clock: Clock;
  readonly log: Logger;
  /** Where `soc_alerts_stalled` is registered (the process's `/metrics`). */
  readonly registry: Registry;
  readonly stallAfterMs: number;
  /** Time between scans; default a fifth of the threshold, between 1 s and 60 s. */
  readonly intervalMs?: number;
}

/** A running watchdog. */
export interface JourneyWatchdog {
  /** Runs one scan now (the timer's work): updates the gauge, logs newly stalled alerts, returns the stalled list. */
  scan(): Promise<StalledAlert[]>;
  /** Stops the timer and waits for a scan in progress. */
  close(): Promise<void>;
}

/**
 * The journey watchdog's timer shell around {@link scanStalled}: every interval it sets `soc_alerts_stalled{stage}`
 * and logs each newly stalled alert once at warn, with its alert id, correlation id and stage (ids only: no alert
 * text reaches the log). A failed scan is logged and the next one retries.
 */
export function startJourneyWatchdog(options: JourneyWatchdogOptions): JourneyWatchdog {
  const gauge = new Gauge({
    name: 'soc_alerts_stalled',
    help: 'Alerts answered 202 with no decision after SOC_STALL_AFTER_SECONDS, by the stage they stopped at',
    labelNames: ['stage'] as const,
    registers: [options.registry],
  });
  for (const stage of PENDING_STAGES) gauge.set({ stage }, 0);
  const afterSeconds = Math.round(options.stallAfterMs / 1000);
  const intervalMs = options.intervalMs ?? Math.min(60_000, Math.max(1_000, options.stallAfterMs / 5));
  // Alerts already reported; an alert leaves it when it is no longer stalled, so it is reported again if it stalls
  // at a later stage. Bounded by the scan limit.
  const reported = new Map<string, StalledAlert['stage']>();
  let running: Promise<StalledAlert[]> | undefined;

  const scanOnce = async (): Promise<StalledAlert[]> => {
    const stalled = await scanStalled(options.cases, options.clock.now(), options.stallAfterMs);
    for (const [stage, count] of Object.entries(countByStage(stalled))) gauge.set({ stage }, count);
    const current = new Set<string>();
    for (const s of stalled) {
      current.add(s.alertId);
      if (reported.get(s.alertId) === s.stage) continue;
      reported.set(s.alertId, s.stage);
      options.log.warn(
        { alertId: s.alertId, correlationid: s.correlationId, stage: s.stage, receivedAt: s.receivedAt, ageSeconds: s.ageSeconds },
        `alert stalled: answered 202, no decision after ${afterSeconds} s (stopped at ${s.stage}; soc stalled lists them)`,
      );
    }
    for (const alertId of reported.keys()) if (!current.has(alertId)) reported.delete(alertId);
    return stalled;
  };

  const scan = (): Promise<StalledAlert[]> => {
    // One scan at a time: a slow store must not pile up scans behind it.
    running ??= scanOnce().finally(() => {
      running = undefined;
    });
    return running;
  };

  const timer = setInterval(() => {
    scan().catch((err: unknown) => options.log.warn({ err }, 'journey watchdog scan failed; the next one retries'));
  }, intervalMs);
  timer.unref();

  return {
    scan,
    async close() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
