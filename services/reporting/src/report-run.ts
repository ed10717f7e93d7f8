import { ReportGeneratedV1, createEvent, deriveEventId } from '@soc/contracts';
import type { Bus } from '@soc/bus';
import type { Logger } from '@soc/observability';
import { ErrorCode, isAppError, type Clock } from '@soc/runtime';
import type { StateStore } from '@soc/state';
import { previousPeriod } from './period.ts';
import type { ReportKind, ReportPeriod, ReportSource } from './ports.ts';
import { type RenderedReport, renderReport } from './render.ts';

/** One document per (kind, period): who claimed the run and how it ended. */
export const REPORT_RUNS = 'report-runs';
/** One document per kind: the last report sent, for the identical-report check. */
export const REPORT_LAST_SENT = 'report-last-sent';

/** A run's record in {@link REPORT_RUNS}. */
export interface ReportRunDoc {
  reportId: string;
  kind: ReportKind;
  periodStart: string;
  status: 'claimed' | 'published' | 'identical';
  owner: string;
  claimedAt: string;
  contentHash?: string;
}

/** The last report sent of a kind. */
export interface LastSentDoc {
  reportId: string;
  contentHash: string;
  sentAt: string;
}

/** How a run ended. */
export type RunOutcome = 'published' | 'identical' | 'claimed-elsewhere' | 'already-done';

/** What a report run needs. */
export interface ReportRunDeps {
  store: StateStore;
  source: ReportSource;
  bus: Pick<Bus, 'publish'>;
  clock: Clock;
  log: Pick<Logger, 'info' | 'warn'>;
  recipients: readonly string[];
  tenantId: string;
  /** This replica's name, recorded on its claims. */
  owner: string;
  /** A claim older than this whose run never finished (its replica died) may be taken over. Default 10 min. */
  claimLeaseMs?: number;
}

/** The id of a kind's report for a period: one report per kind and period. */
export function reportIdOf(period: ReportPeriod): string {
  return `${period.kind}:${period.start}`;
}

const isLostRace = (e: unknown): boolean => isAppError(e) && (e.code === ErrorCode.CONFLICT || e.code === ErrorCode.PRECONDITION_FAILED);

/** Computes and renders a period's report (no claim, no publication): what `soc report` and the run share. */
export async function buildReport(source: ReportSource, period: ReportPeriod): Promise<RenderedReport & { alerts: number; incidents: number; factsSource: string }> {
  const [facts, previous] = [await source.collect(period), await source.collect(previousPeriod(period))];
  return { ...renderReport({ facts, previous }), alerts: facts.alerts, incidents: facts.incidents, factsSource: facts.source };
}

/**
 * Runs a period's report once across replicas: claims (kind, period) with optimistic concurrency, builds the
 * report, and publishes `soc.report.generated.v1` unless its content equals the last one sent of the kind (then it
 * only records that). The event id derives from the report id, so even a taken-over run publishes nothing twice.
 */
export async function runReport(period: ReportPeriod, deps: ReportRunDeps): Promise<RunOutcome> {
  const reportId = reportIdOf(period);
  const now = deps.clock.now();
  const lease = deps.claimLeaseMs ?? 600_000;
  const existing = await deps.store.get<ReportRunDoc>(REPORT_RUNS, reportId);
  if (existing && existing.value.status !== 'claimed') return 'already-done';
  // A live claim of another replica stands; this replica's own claim (a failed earlier attempt) it may retry.
  if (existing && existing.value.owner !== deps.owner && Date.parse(existing.value.claimedAt) + lease > now.getTime()) return 'claimed-elsewhere';
  const claim: ReportRunDoc = { reportId, kind: period.kind, periodStart: period.start, status: 'claimed', owner: deps.owner, claimedAt: now.toISOString() };
  let etag: string;
  try {
    etag = await deps.store.put(REPORT_RUNS, reportId, claim, existing ? { ifMatch: existing.etag } : { ifNoneMatch: '*' });
  } catch (error) {
    if (isLostRace(error)) return 'claimed-elsewhere';
    throw error;
  }

  const report = await buildReport(deps.source, period);
  const last = await deps.store.get<LastSentDoc>(REPORT_LAST_SENT, period.kind);
  if (last?.value.contentHash === report.contentHash) {
    deps.log.info({ reportId, contentHash: report.contentHash, identicalTo: last.value.reportId }, 'report identical to the last one sent; not resent');
    await deps.store.put(REPORT_RUNS, reportId, { ...claim, status: 'identical', contentHash: report.contentHash }, { ifMatch: etag });
    return 'identical';
  }
  const event = createEvent(
    ReportGeneratedV1,
    {
      reportId,
      kind: period.kind,
      period: { start: period.start, end: period.end, timeZone: period.timeZone },
      recipients: [...deps.recipients],
      subject: report.subject,
      html: report.html,
      text: report.text,
      contentHash: report.contentHash,
      totals: { alerts: report.alerts, incidents: report.incidents },
      factsSource: report.factsSource,
    },
    { id: deriveEventId(reportId, ReportGeneratedV1.type), source: '/soc/reporting', time: now, correlationid: `report:${reportId}`, tenantid: deps.tenantId, subject: reportId },
  );
  await deps.bus.publish([event]);
  await deps.store.put<LastSentDoc>(REPORT_LAST_SENT, period.kind, { reportId, contentHash: report.contentHash, sentAt: now.toISOString() });
  await deps.store.put(REPORT_RUNS, reportId, { ...claim, status: 'published', contentHash: report.contentHash }, { ifMatch: etag });
  deps.log.info({ reportId, alerts: report.alerts, incidents: report.incidents, contentHash: report.contentHash }, 'report published');
  return 'published';
}
