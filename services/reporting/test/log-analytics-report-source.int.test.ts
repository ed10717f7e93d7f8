import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type KqlGuard, KqlPolicy, createKqlGuard } from '@soc/kql';
import { LogAnalyticsExecutor, StateKqlAuditLog } from '@soc/log-analytics';
import { type FakeAnswer, type FakeLogAnalytics, type ReceivedQuery, startFakeLogAnalytics } from '@soc/log-analytics/testing';
import { createLogger } from '@soc/observability';
import { type Clock, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { LogAnalyticsReportSource, reportQueries } from '../src/adapters/log-analytics-report-source.ts';
import type { ReportPeriod } from '../src/ports.ts';

/** Real SecurityAlert rows (Microsoft's demo workspace via msticpy; test/fixtures/alerts/sentinel/README.md). */
interface AlertRow {
  TimeGenerated: string;
  SystemAlertId: string;
  AlertName: string;
  Severity: string;
  Entities: Record<string, unknown>[] | null;
}
const rows = readFileSync(fileURLToPath(new URL('../../../test/fixtures/alerts/sentinel/rows.jsonl', import.meta.url)), 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as AlertRow)
  .map((r) => ({ ...r, at: new Date(`${r.TimeGenerated.replace(' ', 'T')}Z`) }));

const period: ReportPeriod = { kind: 'daily', start: '2019-01-15T00:00:00.000Z', end: '2019-01-16T00:00:00.000Z', timeZone: 'UTC' };
const inPeriod = rows.filter((r) => r.at >= new Date(period.start) && r.at < new Date(period.end));

// What Log Analytics computes for each report query over those rows (the KQL's semantics, written out).
const FIELD: Record<string, string> = { ip: 'Address', host: 'HostName', account: 'Name', url: 'Url', dns: 'DomainName', filehash: 'Value', mailbox: 'MailboxPrimaryAddress', process: 'CommandLine', 'azure-resource': 'ResourceId', 'registry-key': 'Key' };
const TYPE: Record<string, string> = { account: 'user', filehash: 'hash', dns: 'domain', 'registry-key': 'registry', 'registry-value': 'registry', 'azure-resource': 'cloud-resource' };
function countBy<T>(items: T[], key: (t: T) => string): Map<string, number> {
  const m = new Map<string, number>();
  for (const i of items) m.set(key(i), (m.get(key(i)) ?? 0) + 1);
  return m;
}
const table = (columns: [string, string][], data: unknown[][]): FakeAnswer => ({ status: 200, body: { tables: [{ name: 'PrimaryResult', columns: columns.map(([name, type]) => ({ name, type })), rows: data }] } });
const byCountThenKey = (a: [string, number], b: [string, number]) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1);

function answer(q: ReceivedQuery): FakeAnswer | undefined {
  const text = q.body.query ?? '';
  if (text.includes('by AlertSeverity')) return table([['AlertSeverity', 'string'], ['Alerts', 'long']], [...countBy(inPeriod, (r) => r.Severity)]);
  if (text.includes('bin_at(')) return table([['Hour', 'datetime'], ['Alerts', 'long']], [...countBy(inPeriod, (r) => `${r.at.toISOString().slice(0, 13)}:00:00Z`)]);
  if (text.includes('by AlertName')) return table([['AlertName', 'string'], ['Alerts', 'long']], [...countBy(inPeriod, (r) => r.AlertName)].sort(byCountThenKey).slice(0, 10));
  if (text.includes('mv-expand')) {
    const pairs = inPeriod.flatMap((r) => [
      ...new Set(
        (r.Entities ?? []).flatMap((e) => {
          const t = String(e.Type ?? '').toLowerCase();
          const v = e[FIELD[t] ?? 'Name'];
          return t && v ? [JSON.stringify([TYPE[t] ?? t, String(v)])] : [];
        }),
      ),
    ]);
    const counted = [...countBy(pairs, (p) => p)].sort(byCountThenKey).slice(0, 10);
    return table([['EntityType', 'string'], ['EntityValue', 'string'], ['Alerts', 'long']], counted.map(([k, n]) => [...(JSON.parse(k) as string[]), n]));
  }
  // SecurityIncident: no public export of the table is in the fixtures; these few rows are made up for the test.
  if (text.includes('by Status, Classification')) return table([['Status', 'string'], ['Classification', 'string'], ['Incidents', 'long']], [['Closed', 'FalsePositive', 2], ['Closed', 'TruePositive', 1], ['New', '', 4]]);
  if (text.includes('ClosureMs')) return table([['ClosureMs', 'long']], [[3_600_000], [7_200_000]]);
  return undefined;
}

// Building a guard loads Kusto.Language (about a second): one per policy for the file.
const guard = createKqlGuard();

let fake: FakeLogAnalytics;
beforeAll(async () => {
  fake = await startFakeLogAnalytics();
  fake.respond = answer;
});
afterAll(() => fake.close());

/** The real Log Analytics executor against the fake workspace (TLS with the fake's own CA, no retries). */
function executorOn(check: KqlGuard, audit: StateKqlAuditLog, clock: Clock): LogAnalyticsExecutor {
  return new LogAnalyticsExecutor({
    guard: check,
    audit,
    clock,
    log: createLogger({ service: 'reporting-test', level: 'silent' }),
    workspaceId: '0f4c2a1e-7b9d-4e3f-9a51-3c2d8e6b1f70',
    credential: { getToken: async () => ({ token: 'fake-token', expiresOnTimestamp: Date.now() + 3_600_000 }) },
    endpoint: fake.url,
    timeoutSeconds: 60,
    maxThrottleRetries: 0,
    maxRetryWaitSeconds: 0,
    clientOptions: { tlsOptions: { ca: fake.ca } },
  });
}

describe('LogAnalyticsReportSource', () => {
  it('computes a daily report from SecurityAlert and SecurityIncident through the guarded, audited executor', async () => {
    const clock = manualClock('2019-01-16T06:00:00Z');
    const audit = new StateKqlAuditLog(new MemoryStateStore());
    const executor = executorOn(guard, audit, clock);
    const facts = await new LogAnalyticsReportSource({ executor, clock }).collect(period);

    expect(facts.source).toBe('log-analytics');
    expect(facts.alerts).toBe(73);
    expect(facts.severity).toEqual([
      { key: 'informational', count: 4 },
      { key: 'low', count: 2 },
      { key: 'medium', count: 21 },
      { key: 'high', count: 46 },
      { key: 'critical', count: 0 },
    ]);
    expect(facts.trend).toHaveLength(24);
    expect(facts.trend.reduce((s, p) => s + p.alerts, 0)).toBe(73);
    expect(facts.topRules[0]).toEqual({ key: 'Suspicious Powershell Activity Detected', count: 13 });
    expect(facts.topEntities.slice(0, 3)).toEqual([
      { type: 'file', value: 'cmd.exe', count: 70 },
      { type: 'host', value: 'MSTICALERTSWIN1', count: 70 },
      { type: 'user', value: 'MSTICAdmin', count: 58 },
    ]);
    expect(facts.incidents).toBe(7);
    expect(facts.dispositions).toEqual([{ key: 'false-positive', count: 2 }, { key: 'true-positive', count: 1 }]);
    expect(facts.falsePositiveClosure).toEqual({ count: 2, meanMs: 5_400_000, medianMs: 3_600_000, p90Ms: 7_200_000 });
    expect(facts).toMatchObject({ verdicts: null, timeToTriage: null, llm: null, notes: [] });

    // Six queries reached Log Analytics: each guarded (row cap), bounded (timespan), filtered to the period.
    expect(fake.received).toHaveLength(6);
    for (const q of fake.received) {
      expect(q.body.timespan).toBe('P30D');
      expect(q.body.query).toMatch(/\n\| take 10000$/);
      expect(q.body.query).toContain('datetime(2019-01-15T00:00:00.000Z)');
    }
    const trail = await audit.list({ limit: 10 });
    expect(trail.items).toHaveLength(6);
    expect(trail.items.every((r) => r.caller === 'reporting' && r.status === 'succeeded' && r.purpose.startsWith('daily report 2019-01-15T00:00:00.000Z'))).toBe(true);
  });

  it('refuses to report when the guard denies one of its queries, before that query reaches Log Analytics', async () => {
    fake.received.length = 0;
    const clock = manualClock('2019-01-16T06:00:00Z');
    // A policy that allows SecurityAlert only.
    const strict = createKqlGuard(KqlPolicy.parse({ tables: ['SecurityAlert'] }));
    const executor = executorOn(strict, new StateKqlAuditLog(new MemoryStateStore()), clock);
    await expect(new LogAnalyticsReportSource({ executor, clock }).collect(period)).rejects.toMatchObject({ code: 'POLICY_VIOLATION', retryable: false });
    expect(fake.received.some((q) => q.body.query?.startsWith('SecurityIncident'))).toBe(false);
    expect(Object.keys(reportQueries(period))).toHaveLength(6);
  });
});
