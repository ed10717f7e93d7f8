import type { TenantGrant } from '@soc/http';
import { Gauge, type Registry } from 'prom-client';
import type { Severity } from '@soc/contracts';
import type { Logger } from '@soc/observability';
import type { Clock } from '@soc/runtime';
import { type CaseFacts, type Kpis, byTenant, caseFactsOf, computeKpis } from './kpis.ts';
import type { CaseStore, QuarantineCounter } from './ports.ts';

/** Case timelines read at once while computing KPIs. */
const EVENT_READS_IN_FLIGHT = 16;

/** The KPI settings from configuration. */
export interface KpiConfig {
  shiftHours: number;
  slaMinutes: Readonly<Partial<Record<Severity, number>>>;
  /** The bound: at most this many case summaries (newest receipt first) are read per computation. */
  maxCases: number;
}

/** What one computation read, so a reader can tell whether the numbers cover the whole window. */
export interface KpiScope {
  /** Summaries read (newest receipt first), at most `limit`. */
  summariesRead: number;
  limit: number;
  /**
   * True when the bound was reached while the oldest summary read was still inside the window: older cases of the
   * window may not have been read, and the KPIs then cover only the newest `limit` cases received up to `to`.
   */
  truncated: boolean;
}

/**
 * Reads the facts of the cases received in `[from, to)`: the newest `maxCases` case summaries (one bounded query,
 * `listSummaries`, newest receipt first), then the timelines of those inside the window. Never more than
 * `maxCases` timelines; past the bound the scope says `truncated`.
 */
export async function readCaseFacts(cases: CaseStore, window: { from: Date; to: Date }, maxCases: number, tenants: TenantGrant = '*'): Promise<{ facts: CaseFacts[]; scope: KpiScope }> {
  const summaries = await cases.listSummaries({ limit: maxCases, tenants });
  const from = window.from.getTime();
  const to = window.to.getTime();
  const inWindow = summaries.filter((s) => {
    const at = Date.parse(s.receivedAt);
    return at >= from && at < to;
  });
  const oldest = summaries.at(-1);
  const truncated = summaries.length >= maxCases && oldest !== undefined && Date.parse(oldest.receivedAt) >= from;
  const facts: CaseFacts[] = [];
  for (let i = 0; i < inWindow.length; i += EVENT_READS_IN_FLIGHT) {
    const batch = inWindow.slice(i, i + EVENT_READS_IN_FLIGHT);
    const read = await Promise.all(batch.map(async (s) => caseFactsOf(s.alertId, await cases.events(s.alertId))));
    for (const f of read) if (f !== undefined) facts.push(f);
  }
  return { facts, scope: { summariesRead: summaries.length, limit: maxCases, truncated } };
}

/** The KPIs of a window, per tenant (never pooled across tenants). */
export interface KpiReport {
  from: string;
  to: string;
  generatedAt: string;
  scope: KpiScope;
  /** Tenant id → its KPIs; with a tenant filter, that tenant only (present, with nulls, even without cases). */
  tenants: Record<string, Kpis>;
  /**
   * Payloads ingestion quarantined (unparseable) with a receipt in the window, sent as the tenants asked for (a
   * quarantine entry keeps its sender's tenant; one total, not per tenant); null where no counter is wired.
   */
  quarantine: { payloads: number; replayed: number; truncated: boolean; definition: string } | null;
}

/** The definition of the quarantine count. */
export const QUARANTINE_DEFINITION = "payloads ingestion quarantined as unparseable (its `ingest-quarantine` record, read only) received in the window, replayed ones included (`replayed` of them); of the senders of the tenants asked for (an entry keeps its sender's tenant)";

/** Computes the KPI report of a window; `tenant` keeps one tenant. */
export async function kpiReport(
  cases: CaseStore,
  config: KpiConfig,
  query: { from: Date; to: Date; now: Date; tenant?: string; tenants?: TenantGrant; sees?: (tenant: string | undefined) => boolean },
  quarantined?: QuarantineCounter,
): Promise<KpiReport> {
  // The caller's tenants only (the gauges, behind the metrics token, read every tenant).
  const grant: TenantGrant = query.tenants ?? '*';
  const { facts, scope } = await readCaseFacts(cases, query, config.maxCases, query.tenant !== undefined ? [query.tenant] : grant);
  const settings = { from: query.from, to: query.to, now: query.now, shiftHours: config.shiftHours, slaMinutes: config.slaMinutes };
  const groups = byTenant(facts);
  const tenants: Record<string, Kpis> = {};
  if (query.tenant !== undefined) tenants[query.tenant] = computeKpis(groups.get(query.tenant) ?? [], settings);
  else for (const [tenant, ofTenant] of [...groups].sort(([a], [b]) => a.localeCompare(b))) tenants[tenant] = computeKpis(ofTenant, settings);
  const quarantine =
    // Quarantined payloads belong to no case: counted for the caller's tenants (the senders' tenants they were sent as).
    quarantined === undefined
      ? null
      : { ...(await quarantined.count({ from: query.from, to: query.to, limit: config.maxCases, ...(query.sees ? { sees: query.sees } : {}) })), definition: QUARANTINE_DEFINITION };
  return { from: query.from.toISOString(), to: query.to.toISOString(), generatedAt: query.now.toISOString(), scope, tenants, quarantine };
}

/** Options of {@link startKpiGauges}. */
export interface KpiGaugesOptions {
  readonly cases: CaseStore;
  readonly quarantine?: QuarantineCounter;
  readonly config: KpiConfig;
  readonly clock: Clock;
  readonly log: Logger;
  readonly registry: Registry;
  /** The window the gauges show: the last this many milliseconds. */
  readonly windowMs: number;
  /** Time between refreshes. */
  readonly intervalMs: number;
}

/** Running KPI gauges. */
export interface KpiGauges {
  /** Recomputes now (the timer's work). */
  refresh(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The KPIs as Prometheus gauges (`soc_kpi_*{tenant}`), recomputed on a timer — not on scrape, so a scrape costs
 * nothing and many scrapers cost one computation per interval. A failed refresh is logged and keeps the last values.
 */
export function startKpiGauges(options: KpiGaugesOptions): KpiGauges {
  const registers = [options.registry];
  const gauge = (name: string, help: string, labels: readonly string[] = ['tenant']) => new Gauge({ name, help, labelNames: labels, registers });
  const cases = gauge('soc_kpi_cases', 'Cases received in the KPI window (SOC_KPI_WINDOW_HOURS), per tenant');
  const durations = gauge('soc_kpi_duration_seconds', 'Mean and p90 (nearest rank) of time to triage, to disposition and to false-positive closure, over the KPI window', ['tenant', 'kpi', 'stat']);
  const rates = gauge('soc_kpi_rate', 'Escalation, true-positive, engine and copilot override rates (0–1), and alerts per analyst per shift, over the KPI window', ['tenant', 'kpi']);
  const llm = gauge('soc_kpi_llm', 'LLM calls, tokens and cost in total and per verdict over the KPI window (a cached advice is not a call)', ['tenant', 'measure']);
  const deadLetters = gauge('soc_kpi_dead_letters', 'Dead-lettered messages recorded on the cases of the KPI window');
  const pastSla = gauge('soc_kpi_past_sla', 'Cases of the KPI window past their severity\'s SLA (SOC_SLA_MINUTES), and of those still open', ['tenant', 'severity', 'state']);
  const truncated = gauge('soc_kpi_truncated', '1 when the KPI window has more cases than SOC_KPI_MAX_CASES: the gauges cover the newest ones only', []);
  const quarantined = gauge('soc_kpi_quarantined', 'Payloads ingestion quarantined in the KPI window (all senders; not per tenant), and of those replayed', ['state']);
  const all = [cases, durations, rates, llm, deadLetters, pastSla, truncated, quarantined];

  // A null KPI (nothing to compute it over) is no sample, not a 0.
  const set = (g: Gauge, labels: Record<string, string>, value: number | null) => {
    if (value !== null) g.set(labels, value);
  };
  const refreshOnce = async () => {
    const now = options.clock.now();
    const report = await kpiReport(options.cases, options.config, { from: new Date(now.getTime() - options.windowMs), to: now, now }, options.quarantine);
    for (const g of all) g.reset();
    truncated.set(report.scope.truncated ? 1 : 0);
    if (report.quarantine !== null) {
      quarantined.set({ state: 'all' }, report.quarantine.payloads);
      quarantined.set({ state: 'replayed' }, report.quarantine.replayed);
    }
    for (const [tenant, k] of Object.entries(report.tenants)) {
      cases.set({ tenant }, k.cases);
      for (const kpi of ['timeToTriage', 'timeToDisposition', 'falsePositiveClosure'] as const) {
        set(durations, { tenant, kpi, stat: 'mean' }, k[kpi].meanSeconds);
        set(durations, { tenant, kpi, stat: 'p90' }, k[kpi].p90Seconds);
      }
      for (const kpi of ['escalationRate', 'truePositiveRate', 'engineOverrideRate', 'copilotOverrideRate', 'alertsPerAnalystPerShift'] as const) set(rates, { tenant, kpi }, k[kpi].value);
      for (const measure of ['calls', 'failed', 'tokens', 'cost', 'callsPerVerdict', 'tokensPerVerdict', 'costPerVerdict'] as const) set(llm, { tenant, measure }, k.llm[measure]);
      set(deadLetters, { tenant }, k.deadLetters.messages);
      for (const [severity, s] of Object.entries(k.sla.bySeverity)) {
        set(pastSla, { tenant, severity, state: 'all' }, s.pastSla);
        set(pastSla, { tenant, severity, state: 'open' }, s.openPastSla);
      }
    }
  };
  let running: Promise<void> | undefined;
  const refresh = (): Promise<void> => {
    running ??= refreshOnce().finally(() => {
      running = undefined;
    });
    return running;
  };
  const tick = () => refresh().catch((err: unknown) => options.log.warn({ err }, 'KPI gauges: refresh failed; the last values stay, the next refresh retries'));
  const timer = setInterval(tick, options.intervalMs);
  timer.unref();
  void tick();
  return {
    refresh,
    async close() {
      clearInterval(timer);
      await running?.catch(() => undefined);
    },
  };
}
