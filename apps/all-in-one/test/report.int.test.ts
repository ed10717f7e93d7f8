import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '@soc/cli';
import { StateReportSource, periodEndingBy, type ReportFacts } from '@soc/reporting';
import { DISPOSITION_DELAY_MS, replayFixtureAlerts } from './report-replay.ts';

// Done-when of issue 5: after a replay of the 95 real Sentinel alerts, `soc report daily` renders the day's report.
describe('the daily report after a replay of the fixture alerts (embedded default)', () => {
  let system: Awaited<ReturnType<typeof replayFixtureAlerts>>;
  let facts: ReportFacts;
  beforeAll(async () => {
    system = await replayFixtureAlerts();
    facts = await new StateReportSource(system.platform.state).collect(periodEndingBy('daily', new Date('2025-03-19T07:00:00Z'), 'UTC'));
  }, 120_000);
  afterAll(async () => {
    await system?.close();
  });

  it('counts every alert once, by severity, with its rules and entities', () => {
    expect(facts.period).toEqual({ kind: 'daily', start: '2025-03-18T00:00:00.000Z', end: '2025-03-19T00:00:00.000Z', timeZone: 'UTC' });
    expect(facts.alerts).toBe(95);
    expect(facts.incidents).toBe(57); // distinct case-group keys (tenant, source, rule, key entities)
    expect(facts.severity).toEqual([
      { key: 'informational', count: 4 },
      { key: 'low', count: 9 },
      { key: 'medium', count: 27 },
      { key: 'high', count: 55 },
      { key: 'critical', count: 0 },
    ]);
    expect(facts.topRules.slice(0, 3)).toEqual([
      { key: 'Suspicious Powershell Activity Detected', count: 13 },
      { key: 'DC local group addition - Demo', count: 5 },
      { key: 'Executable found running from a suspicious location', count: 5 },
    ]);
    expect(facts.trend.reduce((s, t) => s + t.alerts, 0)).toBe(95);
    expect(facts.trend[8]?.alerts).toBe(95); // all received in the 08:00 UTC hour
  });

  it('states verdicts, dispositions, time to triage and false-positive closure', () => {
    expect(facts.verdicts?.reduce((s, v) => s + v.count, 0)).toBe(95);
    expect(facts.dispositions).toEqual([
      { key: 'false-positive', count: 5 },
      { key: 'true-positive', count: 4 },
    ]);
    expect(facts.timeToTriage?.count).toBe(95);
    expect(facts.falsePositiveClosure?.count).toBe(5);
    expect(facts.falsePositiveClosure?.medianMs).toBeGreaterThanOrEqual(DISPOSITION_DELAY_MS);
    expect(facts.llm).toEqual({ calls: 0, promptTokens: 0, completionTokens: 0, cost: 0 }); // no LLM configured
  });

  it('soc report daily renders it as HTML from the embedded state', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const file = join(system.dataDir, 'daily.html');
    const code = await runCli(['report', 'daily', '--at', '2025-03-19T07:00:00Z', '--out', file], {
      env: { SOC_DATA_DIR: system.dataDir },
      out: (l) => out.push(l),
      err: (l) => err.push(l),
    });
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out[0]).toBe(`SOC daily report 2025-03-18 (UTC): 95 alerts, ${facts.incidents} incidents`);
    const html = readFileSync(file, 'utf8');
    expect(html).toContain('<svg');
    expect(html).toContain('Suspicious Powershell Activity Detected');
    expect(html).toMatch(/95 \(\+95 vs previous day: 0\)/);
  });
});
