/**
 * The reporting service's ports. `ReportSource` is the one other packages implement: the embedded
 * `StateReportSource` (this package, from the state store) and a Log Analytics one (`SecurityAlert`,
 * `SecurityIncident` via KQL). Everything a report shows is a {@link ReportFacts}; rendering never queries.
 */

/** Which scheduled report. */
export type ReportKind = 'daily' | 'weekly';

/**
 * A reporting period: the half-open interval [start, end) of UTC instants. Daily periods are one local day of
 * `timeZone`, weekly periods seven (Monday 00:00 to Monday 00:00 local); the scheduler derives them.
 */
export interface ReportPeriod {
  kind: ReportKind;
  /** ISO 8601 UTC instant, inclusive. */
  start: string;
  /** ISO 8601 UTC instant, exclusive. */
  end: string;
  /** IANA time zone the period's days are cut in (e.g. `Europe/Berlin`). */
  timeZone: string;
}

/** A ranked key and how often it occurred. */
export interface CountedKey {
  key: string;
  count: number;
}

/** An entity (as `<type>` and its value) and how many of the period's alerts named it. */
export interface CountedEntity {
  type: string;
  /** Attacker-controlled: renderers escape it, and defang indicators. */
  value: string;
  count: number;
}

/** Distribution of durations in milliseconds; `count` samples. Percentiles are nearest-rank. */
export interface DurationStats {
  count: number;
  meanMs: number;
  medianMs: number;
  p90Ms: number;
}

/** One bar of the trend chart: alerts received in [start, start + bucket). */
export interface TrendPoint {
  /** ISO 8601 UTC instant. */
  start: string;
  alerts: number;
}

/** LLM use of the period's triages. */
export interface LlmUsage {
  /** Model calls (`advised` copilot notes; `cached` advice costs no call). */
  calls: number;
  /** Tokens of those calls: `cached` notes repeat their group's call's usage and are not counted again. */
  promptTokens: number;
  completionTokens: number;
  /** Sum of the `advised` notes' `usage.cost` (USD); notes without a cost count as 0. */
  cost: number;
}

/**
 * What one period's report states. A source that cannot know a figure sets it to null (Log Analytics knows
 * nothing of LLM cost; a source without triage times has no time to triage); renderers show "n/a".
 */
export interface ReportFacts {
  period: ReportPeriod;
  /** Which implementation produced the facts, e.g. `state-store` or `log-analytics`. */
  source: string;
  /** Alerts received in the period. */
  alerts: number;
  /** Incidents in the period: case groups (state store) or `SecurityIncident`s (Log Analytics). */
  incidents: number;
  /** Alerts per severity, every label of `Severity` present (0 when none), in the order informational → critical. */
  severity: CountedKey[];
  /** Alerts per bucket across the period: hours for a daily report, days for a weekly one; empty buckets included. */
  trend: TrendPoint[];
  /** Rules (rule name, else title) with the most alerts, most first, ties by key; at most 10. */
  topRules: CountedKey[];
  /** Entities named by the most alerts, most first, ties by type then value; at most 10. */
  topEntities: CountedEntity[];
  /** Deterministic triage verdict classes of the period's alerts (null when the source has no triage). */
  verdicts: CountedKey[] | null;
  /** Analyst dispositions (latest per alert) of the period's alerts; incident classifications for Log Analytics. */
  dispositions: CountedKey[];
  /** Alert received → triaged. */
  timeToTriage: DurationStats | null;
  /** Alert received → analyst false-positive disposition (incident created → closed as FalsePositive for LA). */
  falsePositiveClosure: DurationStats | null;
  /** LLM calls, tokens and cost (null when the source cannot know). */
  llm: LlmUsage | null;
  /** Caveats the reader must see, e.g. a bucket that exceeded what the source can page through. */
  notes: string[];
}

/** Computes the facts of a period. Implementations page their reads and never hold more than one period's aggregates. */
export interface ReportSource {
  collect(period: ReportPeriod): Promise<ReportFacts>;
}
