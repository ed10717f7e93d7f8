import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPORT_ROWS, type ReportRow, shardOf } from '@soc/reporting';
import { SqliteStateStore } from '@soc/state';
import { runSoc } from './support.ts';

function row(alertId: string, receivedAt: string, rule: string, severity: string): ReportRow {
  return {
    alertId, tenantId: 'contoso', receivedAt, receivedHour: receivedAt.slice(0, 13), receivedMinute: receivedAt.slice(0, 16), shard: shardOf(alertId),
    severity, rule, groupKey: `g-${rule}`, entities: [{ type: 'domain', value: 'evil.example.com' }],
    triagedAt: null, verdict: null, llm: null, disposition: null, dispositionedAt: null,
  };
}

describe('soc report', () => {
  it('renders the weekly report from the state file of SOC_DATA_DIR and prints a summary', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'soc-cli-report-'));
    const store = new SqliteStateStore({ path: join(dataDir, 'state.sqlite') });
    // Week of Monday 10 March 2025 (UTC): three alerts, one the week before.
    for (const r of [
      row('alt-1', '2025-03-10T09:00:00.000Z', 'Brute force', 'high'),
      row('alt-2', '2025-03-12T10:00:00.000Z', 'Brute force', 'medium'),
      row('alt-3', '2025-03-16T23:59:00.000Z', '<i>Phish</i>', 'critical'),
      row('alt-0', '2025-03-05T08:00:00.000Z', 'Brute force', 'low'),
    ]) await store.put(REPORT_ROWS, r.alertId, r);
    await store.close();

    const out = join(dataDir, 'weekly.html');
    const run = await runSoc(['report', 'weekly', '--at', '2025-03-19T07:00:00Z', '--out', out], { SOC_DATA_DIR: dataDir });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(run.stdout.split('\n')).toEqual([
      'SOC weekly report 2025-03-10 – 2025-03-16 (UTC): 3 alerts, 2 incidents',
      'period   2025-03-10T00:00:00.000Z – 2025-03-17T00:00:00.000Z (UTC)',
      'alerts   3',
      'incidents 2',
      expect.stringMatching(/^hash     [0-9a-f]{64}$/),
      `written  ${out}`,
      '',
    ]);
    const html = readFileSync(out, 'utf8');
    expect(html).toContain('3 (+200% vs previous week: 1)');
    expect(html).toContain('&#60;i&#62;Phish&#60;/i&#62;');
    expect(html).toContain('evil[.]example[.]com');
    expect(html).toContain('aria-label="Alerts per day"');
  });

  it('refuses a missing report kind, a bad --at and a data directory without state', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'soc-cli-report-'));
    const noKind = await runSoc(['report'], { SOC_DATA_DIR: empty });
    expect({ code: noKind.code, stderr: noKind.stderr.trim() }).toEqual({ code: 2, stderr: "soc report: say which report: daily or weekly (got '') (see soc report --help)" });
    const badAt = await runSoc(['report', 'daily', '--at', 'yesterday'], { SOC_DATA_DIR: empty });
    expect(badAt.code).toBe(2);
    expect(badAt.stderr).toContain('--at must be an ISO 8601 time');
    const noState = await runSoc(['report', 'daily'], { SOC_DATA_DIR: empty });
    expect(noState.code).toBe(1);
    expect(noState.stderr).toContain(`No state file at ${join(empty, 'state.sqlite')}`);
  });
});
