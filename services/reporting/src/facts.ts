import { Severity } from '@soc/contracts';
import type { CountedEntity, CountedKey, DurationStats, LlmUsage, ReportFacts, ReportPeriod } from './ports.ts';
import type { ReportRow } from './report-row.ts';
import { trendBuckets } from './period.ts';

/** How many rules and entities the report ranks. */
export const TOP_N = 10;

/** Nearest-rank percentile of ascending `sorted` (non-empty). */
function percentile(sorted: readonly number[], p: number): number {
  return sorted[Math.max(0, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/** Mean, median and p90 of durations in ms (nearest rank, rounded to whole ms); null without samples. */
export function durationStats(samples: readonly number[]): DurationStats | null {
  if (samples.length === 0) return null;
  const sorted = [...samples].sort((a, b) => a - b);
  const mean = sorted.reduce((s, x) => s + x, 0) / sorted.length;
  return { count: sorted.length, meanMs: Math.round(mean), medianMs: percentile(sorted, 50), p90Ms: percentile(sorted, 90) };
}

/** Counts ranked most first, ties by key (so equal facts always rank alike), cut to `limit`. */
export function rankCounts(counts: ReadonlyMap<string, number>, limit = Number.POSITIVE_INFINITY): CountedKey[] {
  return [...counts]
    .map(([key, count]) => ({ key, count }))
    .sort((a, b) => b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
    .slice(0, limit);
}

const bump = (m: Map<string, number>, key: string): void => {
  m.set(key, (m.get(key) ?? 0) + 1);
};

/**
 * Folds report rows into one period's facts, a page at a time. Holds, per period, one duration per triaged or
 * false-positive-closed alert, one counter per distinct rule, entity, group key and label — never the rows.
 */
export class FactsAccumulator {
  private readonly period: ReportPeriod;
  private readonly start: number;
  private readonly end: number;
  private readonly buckets: number[];
  private readonly trend: number[];
  private alerts = 0;
  private readonly severity = new Map<string, number>();
  private readonly rules = new Map<string, number>();
  private readonly entities = new Map<string, number>();
  private readonly groups = new Set<string>();
  private readonly verdicts = new Map<string, number>();
  private readonly dispositions = new Map<string, number>();
  private readonly toTriage: number[] = [];
  private readonly toFpClosure: number[] = [];
  private readonly llm: LlmUsage = { calls: 0, promptTokens: 0, completionTokens: 0, cost: 0 };
  private readonly notes: string[] = [];

  constructor(period: ReportPeriod) {
    this.period = period;
    this.start = Date.parse(period.start);
    this.end = Date.parse(period.end);
    this.buckets = trendBuckets(period).map((t) => Date.parse(t));
    this.trend = this.buckets.map(() => 0);
  }

  /** Adds rows; rows received outside the period (a bucket overlapping its edge) are skipped. */
  add(rows: Iterable<ReportRow>): void {
    for (const row of rows) {
      if (row.receivedAt === null) continue;
      const received = Date.parse(row.receivedAt);
      if (!(received >= this.start && received < this.end)) continue;
      this.alerts++;
      bump(this.severity, row.severity);
      bump(this.rules, row.rule);
      for (const e of row.entities) bump(this.entities, JSON.stringify([e.type, e.value]));
      this.groups.add(row.groupKey);
      this.trend[this.bucketOf(received)]! += 1;
      if (row.verdict !== null) bump(this.verdicts, row.verdict);
      if (row.disposition !== null) bump(this.dispositions, row.disposition);
      if (row.triagedAt !== null) this.toTriage.push(Math.max(0, Date.parse(row.triagedAt) - received));
      if (row.disposition === 'false-positive' && row.dispositionedAt !== null) {
        this.toFpClosure.push(Math.max(0, Date.parse(row.dispositionedAt) - received));
      }
      // Only an `advised` note made a model call. A `cached` note repeats the usage of the call its group's first
      // alert made (so a storm of one group would count that call once per alert); skipped and failed notes made none.
      // Every revision's call counts once (`llmCalls`); rows written before it knew only the latest note.
      const paid = row.llmCalls ?? (row.llm?.status === 'advised' ? { calls: 1, ...row.llm } : undefined);
      if (paid !== undefined) {
        this.llm.calls += paid.calls;
        this.llm.promptTokens += paid.promptTokens;
        this.llm.completionTokens += paid.completionTokens;
        this.llm.cost += paid.cost;
      }
    }
  }

  /** Records a caveat the report must show. */
  note(text: string): void {
    this.notes.push(text);
  }

  private bucketOf(t: number): number {
    // Buckets are few (≤ 25) and ascending: the last one starting at or before t.
    let i = 0;
    while (i + 1 < this.buckets.length && this.buckets[i + 1]! <= t) i++;
    return i;
  }

  /** The facts so far. */
  facts(source: string): ReportFacts {
    return {
      period: this.period,
      source,
      alerts: this.alerts,
      incidents: this.groups.size,
      severity: Severity.options.map((key) => ({ key, count: this.severity.get(key) ?? 0 })),
      trend: this.buckets.map((t, i) => ({ start: new Date(t).toISOString(), alerts: this.trend[i] ?? 0 })),
      topRules: rankCounts(this.rules, TOP_N),
      topEntities: rankCounts(this.entities, TOP_N).map(({ key, count }): CountedEntity => {
        const [type, value] = JSON.parse(key) as [string, string];
        return { type, value, count };
      }),
      verdicts: rankCounts(this.verdicts),
      dispositions: rankCounts(this.dispositions),
      timeToTriage: durationStats(this.toTriage),
      falsePositiveClosure: durationStats(this.toFpClosure),
      // Summed per row in cents' fractions: round so float noise never makes two equal periods hash differently.
      llm: { ...this.llm, cost: Math.round(this.llm.cost * 1e6) / 1e6 },
      notes: [...this.notes],
    };
  }
}
