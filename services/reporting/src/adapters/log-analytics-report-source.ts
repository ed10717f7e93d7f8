import { Severity } from '@soc/contracts';
import type { KqlExecutor, KqlRunResult, ResultTable } from '@soc/log-analytics';
import { AppError, type Clock, ErrorCode } from '@soc/runtime';
import { TOP_N, durationStats, rankCounts } from '../facts.ts';
import { trendBuckets } from '../period.ts';
import type { CountedEntity, ReportFacts, ReportPeriod, ReportSource } from '../ports.ts';

/** Options of {@link LogAnalyticsReportSource}. */
export interface LogAnalyticsReportSourceOptions {
  /** A Log Analytics executor (`openKqlExecutor` with LOG_ANALYTICS_WORKSPACE_ID set); every query passes its guard. */
  readonly executor: KqlExecutor;
  readonly clock: Clock;
  /** Recorded as the caller of every query in the KQL audit trail. Default `reporting`. */
  readonly caller?: string;
}

/** A KQL `datetime()` literal of an ISO instant we produced ourselves (never of input text). */
function kqlDatetime(iso: string): string {
  return `datetime(${new Date(iso).toISOString()})`;
}

/** `SecurityAlert` of the period, one row per alert (its first row: when Sentinel received it). */
function alertsOf(period: ReportPeriod, columns: string): string {
  return [
    'SecurityAlert',
    `| where TimeGenerated >= ${kqlDatetime(period.start)} and TimeGenerated < ${kqlDatetime(period.end)}`,
    `| summarize arg_min(TimeGenerated, ${columns}) by SystemAlertId`,
  ].join('\n');
}

/** `SecurityIncident` created in the period, each in its latest state. */
function incidentsOf(period: ReportPeriod): string {
  return [
    'SecurityIncident',
    `| where CreatedTime >= ${kqlDatetime(period.start)} and CreatedTime < ${kqlDatetime(period.end)}`,
    '| summarize arg_max(TimeGenerated, Status, Classification, CreatedTime, ClosedTime) by IncidentNumber',
  ].join('\n');
}

// Sentinel entity types (the `Type` of an `Entities` item) to the alert contract's entity types, and the field that
// names each entity. An item that is only a `$ref` to another has no type and drops out.
const ENTITY_TYPE = `case(SentinelType == 'account', 'user', SentinelType == 'filehash', 'hash', SentinelType == 'dns', 'domain', SentinelType in ('registry-key', 'registry-value'), 'registry', SentinelType == 'azure-resource', 'cloud-resource', SentinelType)`;
const ENTITY_VALUE = [
  'case(',
  "SentinelType == 'ip', tostring(Entity.Address), SentinelType == 'host', tostring(Entity.HostName), SentinelType == 'account', tostring(Entity.Name),",
  " SentinelType == 'url', tostring(Entity.Url), SentinelType == 'dns', tostring(Entity.DomainName), SentinelType == 'filehash', tostring(Entity.Value),",
  " SentinelType == 'mailbox', tostring(Entity.MailboxPrimaryAddress), SentinelType == 'process', tostring(Entity.CommandLine),",
  " SentinelType == 'azure-resource', tostring(Entity.ResourceId), SentinelType == 'registry-key', tostring(Entity.Key), tostring(Entity.Name))",
].join('');

/** The KQL of each figure; each passes the guard on its own (one statement, allow-listed tables, no plugins). */
export function reportQueries(period: ReportPeriod): Record<'severity' | 'trend' | 'rules' | 'entities' | 'incidents' | 'fpClosure', string> {
  return {
    severity: `${alertsOf(period, 'AlertSeverity')}\n| summarize Alerts = count() by AlertSeverity`,
    // Hours aligned to the period's start; folded into the report's buckets (local days for weekly) here.
    trend: `${alertsOf(period, 'AlertName')}\n| summarize Alerts = count() by Hour = bin_at(TimeGenerated, 1h, ${kqlDatetime(period.start)})`,
    rules: `${alertsOf(period, 'AlertName')}\n| summarize Alerts = count() by AlertName\n| order by Alerts desc, AlertName asc\n| take ${TOP_N}`,
    entities: [
      alertsOf(period, 'Entities'),
      '| mv-expand Entity = parse_json(Entities)',
      '| extend SentinelType = tolower(tostring(Entity.Type))',
      `| extend EntityType = ${ENTITY_TYPE}, EntityValue = ${ENTITY_VALUE}`,
      '| where isnotempty(EntityValue)',
      '| summarize by SystemAlertId, EntityType, EntityValue',
      '| summarize Alerts = count() by EntityType, EntityValue',
      '| order by Alerts desc, EntityType asc, EntityValue asc',
      `| take ${TOP_N}`,
    ].join('\n'),
    incidents: `${incidentsOf(period)}\n| summarize Incidents = count() by Status, Classification`,
    fpClosure: `${incidentsOf(period)}\n| where Classification == 'FalsePositive' and isnotempty(ClosedTime)\n| project ClosureMs = datetime_diff('millisecond', ClosedTime, CreatedTime)`,
  };
}

/** Sentinel incident classifications as the report's disposition labels. */
const CLASSIFICATION: Readonly<Record<string, string>> = {
  TruePositive: 'true-positive',
  BenignPositive: 'benign-positive',
  FalsePositive: 'false-positive',
  Undetermined: 'undetermined',
};

/** The cells of `column` in the first table, by name (column order is the service's business). */
function cells(result: KqlRunResult, column: string): unknown[] {
  const table: ResultTable | undefined = result.tables?.[0];
  if (!table) return [];
  const i = table.columns.findIndex((c) => c.name === column);
  if (i < 0) throw new AppError(ErrorCode.INTERNAL, `Log Analytics returned no ${column} column for a report query.`, { retryable: false });
  return table.rows.map((r) => r[i]);
}
const num = (v: unknown): number => (typeof v === 'number' ? v : Number(v ?? 0)) || 0;
const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/** An ISO 8601 duration of days/hours/minutes (`P30D`, `PT12H`) in ms; undefined for anything else. */
function durationMs(iso: string): number | undefined {
  const m = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$/.exec(iso);
  if (!m || iso === 'P' || iso.endsWith('T')) return undefined;
  return ((Number(m[1] ?? 0) * 24 + Number(m[2] ?? 0)) * 60 + Number(m[3] ?? 0)) * 60_000;
}

/**
 * Report facts from Log Analytics: `SecurityAlert` (counts, severity, trend, top rules, top entities) and
 * `SecurityIncident` (incident count, classifications, false-positive closure time), through the guarded executor —
 * every query is checked, audited (caller `reporting`) and row-capped like any hunt. Log Analytics knows nothing of
 * this project's triage or LLM use: verdicts, time to triage and LLM cost are null.
 */
export class LogAnalyticsReportSource implements ReportSource {
  private readonly executor: KqlExecutor;
  private readonly clock: Clock;
  private readonly caller: string;

  constructor(options: LogAnalyticsReportSourceOptions) {
    this.executor = options.executor;
    this.clock = options.clock;
    this.caller = options.caller ?? 'reporting';
  }

  async collect(period: ReportPeriod): Promise<ReportFacts> {
    const queries = reportQueries(period);
    const notes: string[] = [];
    // One after another: a report is not worth being throttled for.
    const severity = await this.run(period, 'severity', queries.severity, notes);
    const trend = await this.run(period, 'trend', queries.trend, notes);
    const rules = await this.run(period, 'rules', queries.rules, notes);
    const entities = await this.run(period, 'entities', queries.entities, notes);
    const incidents = await this.run(period, 'incidents', queries.incidents, notes);
    const fpClosure = await this.run(period, 'fpClosure', queries.fpClosure, notes);

    const bySeverity = new Map<string, number>();
    const severities = cells(severity, 'Alerts');
    cells(severity, 'AlertSeverity').forEach((label, i) => {
      const key = str(label).toLowerCase();
      bySeverity.set(key, (bySeverity.get(key) ?? 0) + num(severities[i]));
    });
    const unknown = [...bySeverity.keys()].filter((k) => !(Severity.options as readonly string[]).includes(k));
    if (unknown.length > 0) notes.push(`Alerts with severities outside the report's scale are counted in the total only: ${unknown.map((k) => k || '(empty)').join(', ')}.`);

    const dispositions = new Map<string, number>();
    let incidentCount = 0;
    const incidentCounts = cells(incidents, 'Incidents');
    const statuses = cells(incidents, 'Status');
    cells(incidents, 'Classification').forEach((c, i) => {
      const n = num(incidentCounts[i]);
      incidentCount += n;
      if (str(statuses[i]) === 'Closed' && str(c) !== '') {
        const label = CLASSIFICATION[str(c)] ?? str(c).toLowerCase();
        dispositions.set(label, (dispositions.get(label) ?? 0) + n);
      }
    });

    const rulesCounts = cells(rules, 'Alerts');
    const entityCounts = cells(entities, 'Alerts');
    const entityTypes = cells(entities, 'EntityType');
    return {
      period,
      source: 'log-analytics',
      alerts: [...bySeverity.values()].reduce((s, n) => s + n, 0),
      incidents: incidentCount,
      severity: Severity.options.map((key) => ({ key, count: bySeverity.get(key) ?? 0 })),
      trend: foldTrend(period, cells(trend, 'Hour'), cells(trend, 'Alerts')),
      topRules: rankCounts(new Map(cells(rules, 'AlertName').map((name, i) => [str(name), num(rulesCounts[i])])), TOP_N),
      topEntities: cells(entities, 'EntityValue')
        .map((value, i): CountedEntity => ({ type: str(entityTypes[i]), value: str(value), count: num(entityCounts[i]) }))
        .sort((a, b) => b.count - a.count || cmp(a.type, b.type) || cmp(a.value, b.value)),
      verdicts: null,
      dispositions: rankCounts(dispositions),
      timeToTriage: null,
      falsePositiveClosure: durationStats(cells(fpClosure, 'ClosureMs').map((v) => Math.max(0, num(v)))),
      llm: null,
      notes,
    };
  }

  private async run(period: ReportPeriod, figure: string, query: string, notes: string[]): Promise<KqlRunResult> {
    const result = await this.executor.run({ query, caller: this.caller, purpose: `${period.kind} report ${period.start}..${period.end}: ${figure}` });
    switch (result.status) {
      case 'succeeded':
      case 'partial':
        break;
      case 'denied':
        throw new AppError(ErrorCode.POLICY_VIOLATION, `The KQL guard denied the report's ${figure} query; the KQL policy must allow SecurityAlert and SecurityIncident for Log Analytics reports. ${result.reason ?? ''}`, { retryable: false });
      case 'not-executed':
        throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'Log Analytics reports need LOG_ANALYTICS_WORKSPACE_ID; without it, reports come from the state store.', { retryable: false });
      case 'failed':
        throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `The report's ${figure} query failed: ${result.error?.message ?? 'no detail'}`, { retryable: result.error?.retryable ?? true, details: { auditId: result.auditId, code: result.error?.code } });
    }
    if (result.status === 'partial') notes.push(`Log Analytics returned a partial result for ${figure}: ${result.error?.message ?? 'no detail'}`);
    if (result.rowCount >= result.verdict.rowCap) notes.push(`The ${figure} query reached the row cap of ${result.verdict.rowCap}: its figure is partial.`);
    const lookback = durationMs(result.verdict.maxLookback);
    if (lookback !== undefined && Date.parse(period.start) < this.clock.now().getTime() - lookback && !notes.some((n) => n.startsWith('The period starts'))) {
      notes.push(`The period starts before the KQL policy's lookback (${result.verdict.maxLookback}); Log Analytics only searched within it, so earlier data is missing.`);
    }
    return result;
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** Hourly counts into the report's trend buckets (hours for daily, local days for weekly), empty ones included. */
function foldTrend(period: ReportPeriod, hours: unknown[], counts: unknown[]): ReportFacts['trend'] {
  const starts = trendBuckets(period).map((t) => Date.parse(t));
  const totals = starts.map(() => 0);
  hours.forEach((h, i) => {
    const t = Date.parse(str(h));
    if (!Number.isFinite(t)) return;
    let b = -1;
    for (let j = 0; j < starts.length && starts[j]! <= t; j++) b = j;
    if (b >= 0) totals[b]! += num(counts[i]);
  });
  return starts.map((t, i) => ({ start: new Date(t).toISOString(), alerts: totals[i] ?? 0 }));
}
