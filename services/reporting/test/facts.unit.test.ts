import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type CopilotNote, type EventByType, alertRevisionOf, parseEvent } from '@soc/contracts';
import { MemoryStateStore } from '@soc/state';
import { REPORT_ROWS, StateReportSource } from '../src/adapters/state-report-source.ts';
import { durationStats } from '../src/facts.ts';
import { periodEndingBy } from '../src/period.ts';
import { type ReportRow, applyToRow, shardOf } from '../src/report-row.ts';

const MIN = 60_000;
const DAY = periodEndingBy('daily', new Date('2025-03-19T07:00:00Z'), 'UTC'); // 2025-03-18

function row(n: number, over: Partial<ReportRow> & { receivedAt: string }): ReportRow {
  const iso = new Date(over.receivedAt).toISOString();
  const alertId = over.alertId ?? `alt-${n}`;
  return {
    alertId,
    tenantId: 'contoso',
    receivedHour: iso.slice(0, 13),
    receivedMinute: iso.slice(0, 16),
    shard: shardOf(alertId),
    severity: 'high',
    rule: 'Rule A',
    groupKey: `grp-${n}`,
    entities: [],
    triagedAt: null,
    verdict: null,
    llm: null,
    disposition: null,
    dispositionedAt: null,
    ...over,
  };
}

async function seed(rows: readonly ReportRow[]): Promise<MemoryStateStore> {
  const store = new MemoryStateStore();
  for (const r of rows) await store.put(REPORT_ROWS, r.alertId, r);
  return store;
}

describe('facts of a period from a seeded state store', () => {
  it('states exact counts, rankings, durations and LLM use', async () => {
    const at = (h: number, m = 0) => `2025-03-18T${String(h).padStart(2, '0')}:${String(m).padStart(2, '0')}:00.000Z`;
    const after = (iso: string, ms: number) => new Date(Date.parse(iso) + ms).toISOString();
    const store = await seed([
      row(1, { receivedAt: at(1), severity: 'critical', rule: 'Rule A', groupKey: 'g1', entities: [{ type: 'ip', value: '203.0.113.9' }], triagedAt: after(at(1), 2 * MIN), verdict: 'true-positive', llm: { status: 'advised', promptTokens: 800, completionTokens: 200, cost: 0.0125 } }),
      row(2, { receivedAt: at(1, 30), rule: 'Rule A', groupKey: 'g1', entities: [{ type: 'ip', value: '203.0.113.9' }, { type: 'host', value: 'ws-1' }], triagedAt: after(at(1, 30), 4 * MIN), verdict: 'true-positive', llm: { status: 'cached', promptTokens: 0, completionTokens: 0, cost: 0 } }),
      row(3, { receivedAt: at(9), severity: 'low', rule: 'Rule B', groupKey: 'g2', entities: [{ type: 'host', value: 'ws-1' }], triagedAt: after(at(9), 6 * MIN), verdict: 'false-positive', disposition: 'false-positive', dispositionedAt: after(at(9), 60 * MIN) }),
      row(4, { receivedAt: at(23, 59), severity: 'medium', rule: 'Rule C', groupKey: 'g3', disposition: 'false-positive', dispositionedAt: after(at(23, 59), 180 * MIN) }),
      row(5, { receivedAt: at(12), rule: 'Rule B', groupKey: 'g2', disposition: 'true-positive', dispositionedAt: at(13) }),
      // Outside the day: the previous day counts for the trend only, the next day not at all.
      row(6, { receivedAt: '2025-03-17T23:59:59.999Z' }),
      row(7, { receivedAt: '2025-03-19T00:00:00.000Z' }),
      { ...row(8, { receivedAt: at(5) }), receivedAt: null, receivedHour: null, receivedMinute: null }, // triaged, never received
    ]);
    const facts = await new StateReportSource(store).collect(DAY);
    expect(facts.alerts).toBe(5);
    expect(facts.incidents).toBe(3);
    expect(facts.severity).toEqual([
      { key: 'informational', count: 0 },
      { key: 'low', count: 1 },
      { key: 'medium', count: 1 },
      { key: 'high', count: 2 },
      { key: 'critical', count: 1 },
    ]);
    expect(facts.trend).toHaveLength(24);
    expect(facts.trend.filter((t) => t.alerts > 0)).toEqual([
      { start: at(1), alerts: 2 },
      { start: at(9), alerts: 1 },
      { start: at(12), alerts: 1 },
      { start: at(23), alerts: 1 },
    ]);
    expect(facts.topRules).toEqual([
      { key: 'Rule A', count: 2 },
      { key: 'Rule B', count: 2 },
      { key: 'Rule C', count: 1 },
    ]);
    expect(facts.topEntities).toEqual([
      { type: 'host', value: 'ws-1', count: 2 },
      { type: 'ip', value: '203.0.113.9', count: 2 },
    ]);
    expect(facts.verdicts).toEqual([
      { key: 'true-positive', count: 2 },
      { key: 'false-positive', count: 1 },
    ]);
    expect(facts.dispositions).toEqual([
      { key: 'false-positive', count: 2 },
      { key: 'true-positive', count: 1 },
    ]);
    expect(facts.timeToTriage).toEqual({ count: 3, meanMs: 4 * MIN, medianMs: 4 * MIN, p90Ms: 6 * MIN });
    expect(facts.falsePositiveClosure).toEqual({ count: 2, meanMs: 120 * MIN, medianMs: 60 * MIN, p90Ms: 180 * MIN });
    expect(facts.llm).toEqual({ calls: 1, promptTokens: 800, completionTokens: 200, cost: 0.0125 });
    expect(facts.notes).toEqual([]);
    const previous = await new StateReportSource(store).collect(periodEndingBy('daily', new Date(DAY.start), 'UTC'));
    expect(previous.alerts).toBe(1);
  });

  it('pages a crowded hour by minute and a crowded minute by shard, counting every row once', async () => {
    const rows: ReportRow[] = [];
    // 1,500 alerts spread over 10:00–10:29 and 1,200 more all in 10:30: beyond one page per hour and per minute.
    for (let i = 0; i < 1500; i++) rows.push(row(i, { receivedAt: new Date(Date.parse('2025-03-18T10:00:00Z') + (i % 30) * MIN + i).toISOString(), groupKey: `g${i % 7}` }));
    for (let i = 1500; i < 2700; i++) rows.push(row(i, { receivedAt: new Date(Date.parse('2025-03-18T10:30:00Z') + i).toISOString(), groupKey: `g${i % 7}` }));
    const facts = await new StateReportSource(await seed(rows)).collect(DAY);
    expect(facts.alerts).toBe(2700);
    expect(facts.incidents).toBe(7);
    expect(facts.trend[10]).toEqual({ start: '2025-03-18T10:00:00.000Z', alerts: 2700 });
  });

  it('durationStats uses nearest-rank percentiles', () => {
    expect(durationStats([])).toBeNull();
    expect(durationStats([10, 1, 2, 3, 4, 5, 6, 7, 8, 9])).toEqual({ count: 10, meanMs: 6, medianMs: 5, p90Ms: 9 });
  });
});

describe('report rows from the real contract fixtures', () => {
  const fixture = <T extends 'soc.alert.received.v1' | 'soc.alert.triaged.v1' | 'soc.alert.dispositioned.v1'>(type: T): EventByType<T> => {
    const parsed = parseEvent(JSON.parse(readFileSync(new URL(`../../../contracts/fixtures/${type}.json`, import.meta.url), 'utf8')));
    if (!parsed.ok) throw new Error(parsed.description);
    return parsed.event as EventByType<T>;
  };
  const received = fixture('soc.alert.received.v1');
  const triaged = fixture('soc.alert.triaged.v1');
  const dispositioned = fixture('soc.alert.dispositioned.v1');

  it('gives the same row in any order, and a redelivery changes nothing', () => {
    const inOrder = [received, triaged, dispositioned].reduce<ReportRow | undefined>((r, e) => applyToRow(r, e) ?? r, undefined);
    const reversed = [dispositioned, triaged, received].reduce<ReportRow | undefined>((r, e) => applyToRow(r, e) ?? r, undefined);
    expect(reversed).toEqual(inOrder);
    expect(applyToRow(inOrder, triaged)).toBeUndefined();
    expect(inOrder).toMatchObject({
      alertId: received.data.alert.alertId,
      receivedAt: received.data.receivedAt,
      receivedHour: new Date(received.data.receivedAt).toISOString().slice(0, 13),
      severity: received.data.alert.severity,
      triagedAt: triaged.time,
      verdict: triaged.data.triage.verdict.class,
      disposition: dispositioned.data.disposition,
      dispositionedAt: dispositioned.data.at,
    });
  });

  it('a storm of one case group reports the cost of its one model call, not one per cached note', async () => {
    // What triage writes: the group's first alert gets the advice (one call), the others the stored note as `cached`.
    const advised: CopilotNote = {
      status: 'advised',
      model: 'gpt-4o-mini',
      fingerprint: 'grp-storm',
      summary: 'Password spray against one account.',
      evidence: [],
      investigationSteps: [],
      recommendedActions: [],
      huntQueries: [],
      removed: [],
      usage: { promptTokens: 1500, completionTokens: 250, cost: 0.0045 },
    };
    const storm = 50;
    const rows: ReportRow[] = [];
    for (let i = 0; i < storm; i++) {
      const alert = { ...received.data.alert, alertId: `alt-storm-${i}` };
      const note: CopilotNote = i === 0 ? advised : { ...advised, status: 'cached' };
      const r = applyToRow(undefined, { ...received, id: `r-${i}`, data: { ...received.data, alert } })!;
      rows.push(applyToRow(r, { ...triaged, id: `t-${i}`, data: { ...triaged.data, alert, triage: { ...triaged.data.triage, copilot: note } } })!);
    }
    const facts = await new StateReportSource(await seed(rows)).collect(periodEndingBy('daily', new Date(Date.parse(received.data.receivedAt) + 86_400_000), 'UTC'));
    expect(facts.alerts).toBe(storm);
    expect(facts.llm).toEqual({ calls: 1, promptTokens: 1500, completionTokens: 250, cost: 0.0045 });
  });

  it('keeps the latest disposition when an older one arrives late', () => {
    const base = applyToRow(undefined, received)!;
    const later = applyToRow(base, dispositioned)!;
    const older = { ...dispositioned, data: { ...dispositioned.data, disposition: 'true-positive' as const, at: '2000-01-01T00:00:00.000Z' } };
    expect(applyToRow(later, older)).toBeUndefined();
  });

  it('keeps one row per alert across revisions: counted in the period it first arrived, fields from its newest revision whatever the order', () => {
    const revisionOf = (severity: 'low' | 'critical', receivedAt: string) => {
      const alert = { ...received.data.alert, severity };
      const revised = { ...alert, revision: alertRevisionOf(alert, new Date(receivedAt)) };
      return {
        received: { ...received, id: `r-${severity}`, data: { ...received.data, alert: revised, receivedAt } },
        triaged: { ...triaged, id: `t-${severity}`, data: { ...triaged.data, alert: revised, triage: { ...triaged.data.triage, verdict: { ...triaged.data.triage.verdict, class: severity === 'critical' ? ('true-positive' as const) : ('false-positive' as const) } } } },
      };
    };
    const first = revisionOf('low', '2025-03-18T09:00:00.000Z');
    const second = revisionOf('critical', '2025-03-18T11:00:00.000Z');
    const apply = (events: RowEvents) => events.reduce<ReportRow | undefined>((r, e) => applyToRow(r, e) ?? r, undefined);
    type RowEvents = Parameters<typeof applyToRow>[1][];
    const inOrder = apply([first.received, first.triaged, second.received, second.triaged]);
    const olderLast = apply([second.received, second.triaged, first.triaged, first.received]);
    for (const row of [inOrder, olderLast]) {
      expect(row).toMatchObject({ receivedAt: '2025-03-18T09:00:00.000Z', receivedHour: '2025-03-18T09', severity: 'critical', verdict: 'true-positive' });
    }
  });

  it('across revisions: time to triage is to the first triage, and every revision\'s model call is counted once', () => {
    const revisionOf = (severity: 'low' | 'critical', receivedAt: string, triagedAt: string, status: 'advised' | 'cached') => {
      const alert = { ...received.data.alert, severity };
      const revised = { ...alert, revision: alertRevisionOf(alert, new Date(receivedAt)) };
      const copilot = { status, evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [], removed: [], usage: { promptTokens: 1000, completionTokens: 200, cost: 0.01 } };
      return {
        received: { ...received, id: `r-${severity}-${status}`, data: { ...received.data, alert: revised, receivedAt } },
        triaged: { ...triaged, id: `t-${severity}-${status}`, time: triagedAt, data: { ...triaged.data, alert: revised, triage: { ...triaged.data.triage, copilot } } },
      };
    };
    type RowEvents = Parameters<typeof applyToRow>[1][];
    const apply = (events: RowEvents, start?: ReportRow) => events.reduce<ReportRow | undefined>((r, e) => applyToRow(r, e) ?? r, start);
    const first = revisionOf('low', '2025-03-18T09:00:00.000Z', '2025-03-18T09:00:02.000Z', 'advised');
    const cachedNext = revisionOf('critical', '2025-03-19T09:00:00.000Z', '2025-03-19T09:00:01.000Z', 'cached');
    const row = apply([first.received, first.triaged, cachedNext.received, cachedNext.triaged, cachedNext.triaged])!;
    expect(row.triagedAt).toBe('2025-03-18T09:00:02.000Z');
    expect(row.llmCalls).toEqual({ calls: 1, promptTokens: 1000, completionTokens: 200, cost: 0.01 });
    const advisedNext = revisionOf('critical', '2025-03-19T09:00:00.000Z', '2025-03-19T09:00:01.000Z', 'advised');
    const twice = apply([first.received, first.triaged, advisedNext.received, advisedNext.triaged, advisedNext.triaged])!;
    expect(twice.llmCalls).toMatchObject({ calls: 2, promptTokens: 2000 });
  });
});
