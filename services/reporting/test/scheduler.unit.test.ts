import { describe, expect, it } from 'vitest';
import type { SocEvent } from '@soc/contracts';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateReportSource, REPORT_ROWS } from '../src/adapters/state-report-source.ts';
import { periodEndingBy } from '../src/period.ts';
import type { ReportPeriod } from '../src/ports.ts';
import { REPORT_RUNS, type ReportRunDoc, runReport } from '../src/report-run.ts';
import { type ReportSchedule, duePeriods, startScheduler, type Timers } from '../src/scheduler.ts';

const silent = { info: () => {}, warn: () => {} };
const DAILY: ReportSchedule = { kind: 'daily', cron: '0 7 * * *', timeZone: 'Europe/Berlin' };
const WEEKLY: ReportSchedule = { kind: 'weekly', cron: '0 7 * * 1', timeZone: 'Europe/Berlin' };

/** Timers a test fires by hand; records each delay asked for. */
function fakeTimers() {
  const pending: { fn: () => void; ms: number }[] = [];
  const timers: Timers = {
    setTimeout: (fn, ms) => {
      const t = { fn, ms };
      pending.push(t);
      return t;
    },
    clearTimeout: (h) => {
      const i = pending.indexOf(h as (typeof pending)[number]);
      if (i >= 0) pending.splice(i, 1);
    },
  };
  return { timers, pending };
}

const flush = () => new Promise((r) => setTimeout(r, 0));

describe('report schedule', () => {
  it('owes, at each time, the period that ended by the latest cron tick (in the schedule time zone)', () => {
    const at = (iso: string) => duePeriods([DAILY, WEEKLY], new Date(iso)).map((p) => `${p.kind} ${p.start}`);
    // Tuesday 18 March, 06:59 in Berlin (UTC+1): the day's 07:00 tick has not come, the report owed is 16 March's;
    // the weekly tick of Monday 17 March has, so the week owed is 10–16 March.
    expect(at('2025-03-18T05:59:00Z')).toEqual(['daily 2025-03-15T23:00:00.000Z', 'weekly 2025-03-09T23:00:00.000Z']);
    expect(at('2025-03-18T06:00:00Z')).toEqual(['daily 2025-03-16T23:00:00.000Z', 'weekly 2025-03-09T23:00:00.000Z']);
  });

  it('runs what is due at start, then wakes at the next cron time, and catches up once after missed ticks', async () => {
    const clock = manualClock('2025-03-18T05:00:00Z');
    const { timers, pending } = fakeTimers();
    const runs: ReportPeriod[] = [];
    const scheduler = startScheduler({ schedules: [DAILY], clock, timers, log: silent, maxSleepMs: 86_400_000, run: async (p) => (runs.push(p), 'published') });
    await flush();
    expect(runs.map((p) => p.start)).toEqual(['2025-03-15T23:00:00.000Z']);
    expect(pending.map((t) => t.ms)).toEqual([3_600_000]); // until 07:00 Berlin

    clock.set('2025-03-18T06:00:00Z');
    pending.shift()!.fn();
    await flush();
    expect(runs.map((p) => p.start).at(-1)).toBe('2025-03-16T23:00:00.000Z');
    expect(pending.map((t) => t.ms)).toEqual([86_400_000]);

    // Asleep across three ticks (19, 20, 21 March): one run, for the newest period.
    clock.set('2025-03-21T12:00:00Z');
    pending.shift()!.fn();
    await flush();
    expect(runs.map((p) => p.start)).toEqual(['2025-03-15T23:00:00.000Z', '2025-03-16T23:00:00.000Z', '2025-03-19T23:00:00.000Z']);
    await scheduler.close();
    expect(pending).toEqual([]);
  });

  it('retries a failed run after retryMs', async () => {
    const clock = manualClock('2025-03-18T05:00:00Z');
    const { timers, pending } = fakeTimers();
    let calls = 0;
    const scheduler = startScheduler({ schedules: [DAILY], clock, timers, log: silent, retryMs: 60_000, run: async () => {
      calls++;
      if (calls === 1) throw new Error('state store down');
      return 'published';
    } });
    await flush();
    expect(pending.map((t) => t.ms)).toEqual([60_000]);
    pending.shift()!.fn();
    await flush();
    expect(calls).toBe(2);
    await scheduler.close();
  });
});

describe('report runs', () => {
  const period = periodEndingBy('daily', new Date('2025-03-19T07:00:00Z'), 'UTC');

  async function setup() {
    const store = new MemoryStateStore();
    await store.put(REPORT_ROWS, 'alt-1', {
      alertId: 'alt-1', tenantId: 'contoso', receivedAt: '2025-03-18T09:00:00.000Z', receivedHour: '2025-03-18T09', receivedMinute: '2025-03-18T09:00', shard: 0,
      severity: 'high', rule: 'Rule A', groupKey: 'g1', entities: [], triagedAt: null, verdict: null, llm: null, disposition: null, dispositionedAt: null,
    });
    const published: SocEvent[] = [];
    const clock = manualClock('2025-03-19T07:00:00Z');
    const deps = (owner: string) => ({
      store, clock, owner, log: silent, tenantId: 'contoso', recipients: ['soc-leads@contoso.com'],
      source: new StateReportSource(store),
      bus: { publish: async (events: readonly SocEvent[]) => void published.push(...events) },
    });
    return { store, published, clock, deps };
  }

  it('two replicas due at once publish one report', async () => {
    const { published, deps } = await setup();
    const outcomes = await Promise.all([runReport(period, deps('replica-a')), runReport(period, deps('replica-b'))]);
    expect(outcomes.sort()).toEqual(['claimed-elsewhere', 'published']);
    expect(published).toHaveLength(1);
    const event = published[0]!;
    expect(event.type).toBe('soc.report.generated.v1');
    if (event.type !== 'soc.report.generated.v1') return;
    expect(event.data).toMatchObject({ reportId: 'daily:2025-03-18T00:00:00.000Z', recipients: ['soc-leads@contoso.com'], totals: { alerts: 1, incidents: 1 }, factsSource: 'state-store' });
    expect(await runReport(period, deps('replica-b'))).toBe('already-done');
  });

  it('a report identical to the last one sent is recorded, logged and not resent', async () => {
    const { store, published, clock, deps } = await setup();
    expect(await runReport(period, deps('replica-a'))).toBe('published');
    // replica-a died between publishing and recording it: its claim goes stale and replica-b takes over.
    const run = (await store.get<ReportRunDoc>(REPORT_RUNS, 'daily:2025-03-18T00:00:00.000Z'))!;
    await store.put(REPORT_RUNS, run.id, { ...run.value, status: 'claimed' }, { ifMatch: run.etag });
    expect(await runReport(period, deps('replica-b'))).toBe('claimed-elsewhere'); // lease still running
    clock.advance(11 * 60_000);
    const logged: string[] = [];
    expect(await runReport(period, { ...deps('replica-b'), log: { info: (_o: object, m?: string) => void logged.push(m ?? ''), warn: () => {} } })).toBe('identical');
    expect(published).toHaveLength(1);
    expect(logged).toEqual(['report identical to the last one sent; not resent']);
    expect((await store.get<ReportRunDoc>(REPORT_RUNS, run.id))?.value).toMatchObject({ status: 'identical', owner: 'replica-b' });
  });
});
