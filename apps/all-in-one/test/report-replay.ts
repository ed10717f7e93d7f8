import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type RunningSystem, runServices } from '@soc/platform';
import { REPORT_ROWS, type ReportRow } from '@soc/reporting';
import { ALL_SERVICES } from '../src/services.ts';
import { OPERATOR_TOKEN, TOKEN, client, eventually } from './support.ts';

/** The 95 real Sentinel SecurityAlert rows (msticpy sample), in the generic alert format. */
export const FIXTURE_ALERTS = readFileSync(new URL('../../../test/fixtures/generic-alerts.jsonl', import.meta.url), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as { id: string; rule: { name: string } });

/** When the replay starts: inside the UTC day 2025-03-18, whose daily report the tests render. */
export const REPLAY_START = Date.parse('2025-03-18T08:00:00.000Z');
/** How long after triage the analysts record their dispositions. */
export const DISPOSITION_DELAY_MS = 3 * 3_600_000;

/** The analysts' verdicts the replay records: two rules' alerts, by rule name. */
export const DISPOSITIONS = { 'Maliciuos IP communication': 'true-positive', 'DC local group addition - Demo': 'false-positive' } as const;

/**
 * Starts every service on the embedded default with a clock that runs from {@link REPLAY_START}, posts every
 * fixture alert, waits until reporting has a triaged row for each, then (3 h later on that clock) records the
 * analysts' dispositions of {@link DISPOSITIONS} and waits until reporting has them too.
 */
export async function replayFixtureAlerts(): Promise<RunningSystem & { dataDir: string; alertIds: string[] }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'soc-report-'));
  const t0 = performance.now();
  let offset = 0;
  const clock = { now: () => new Date(REPLAY_START + offset + Math.round(performance.now() - t0)) };
  const system = await runServices(ALL_SERVICES, {
    // Rows kept forever: their TTL would count from the replay's past clock, and `soc report` reads on today's.
    env: { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', SOC_SENDER_TOKEN: TOKEN, SOC_API_TOKEN: OPERATOR_TOKEN, LOG_LEVEL: 'silent', REPORT_RETENTION_DAYS: '0' },
    handleSignals: false,
    clock,
  });
  const api = client(system.url);
  const rowOf = async (alertId: string) => (await system.platform.state.get<ReportRow>(REPORT_ROWS, alertId))?.value;
  const alertIds: string[] = [];
  for (const alert of FIXTURE_ALERTS) {
    const res = await api('/api/v1/alerts/generic', { body: alert });
    if (res.status !== 202) throw new Error(`alert ${alert.id} refused: ${res.status} ${JSON.stringify(res.body)}`);
    alertIds.push(res.body.alertId as string);
  }
  for (const id of alertIds) await eventually(async () => ((await rowOf(id))?.triagedAt ? true : undefined), 30_000, `triage of ${id}`);

  offset = DISPOSITION_DELAY_MS;
  const disposed: string[] = [];
  for (const [i, alert] of FIXTURE_ALERTS.entries()) {
    const disposition = (DISPOSITIONS as Record<string, string>)[alert.rule.name];
    if (!disposition) continue;
    const res = await api(`/api/v1/alerts/${alertIds[i]}/disposition`, { body: { disposition } });
    if (res.status !== 202) throw new Error(`disposition of ${alertIds[i]} refused: ${res.status} ${JSON.stringify(res.body)}`);
    disposed.push(alertIds[i]!);
  }
  for (const id of disposed) await eventually(async () => ((await rowOf(id))?.disposition ? true : undefined), 10_000, `disposition of ${id}`);
  return Object.assign(system, { dataDir, alertIds });
}
