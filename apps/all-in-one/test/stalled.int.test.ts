import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { memoryLog } from '@soc/observability/testing';
import { type RunningSystem, runServices } from '@soc/platform';
import { lines, runSoc } from '../../cli/test/support.ts';
import { selectServices } from '../src/services.ts';
import { OPERATOR_TOKEN, TOKEN, client, eventually } from './support.ts';

// The journey watchdog on the running system: a pipeline that stops at a stage (here triage is not running, as
// with SOC_SERVICE=ingestion,enrichment,api) leaves alerts stalled at `enriched`; once the rest of the pipeline
// runs, they are decided and no longer stalled, and a decided alert never shows up.
const dataDir = mkdtempSync(join(tmpdir(), 'soc-stalled-'));
const env = {
  SOC_DATA_DIR: dataDir,
  PORT: '0',
  HOST: '127.0.0.1',
  SOC_SENDER_TOKEN: TOKEN,
  SOC_API_TOKEN: OPERATOR_TOKEN,
  LOG_LEVEL: 'warn',
  SOC_STALL_AFTER_SECONDS: '1',
};
const alert = (id: string) => ({
  id,
  title: 'Suspicious PowerShell download',
  severity: 'high',
  entities: [{ type: 'host', value: 'ws01.contoso.com' }],
});
interface StalledList {
  stallAfterSeconds: number;
  count: number;
  items: { alertId: string; correlationId: string; stage: string; receivedAt: string; ageSeconds: number }[];
}

let system: RunningSystem | undefined;
afterAll(async () => {
  await system?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('journey watchdog (soc stalled)', () => {
  it('an alert whose pipeline stops at enrichment is stalled there after the threshold; once decided it is not', async () => {
    const log = memoryLog();
    system = await runServices(selectServices('ingestion,enrichment,api'), { env, handleSignals: false, logDestination: log.destination });
    const api = client(system.url);
    const posted = await api('/api/v1/alerts/generic', { body: alert('stall-1') });
    expect(posted.status).toBe(202);
    const { alertId, correlationId } = posted.body as { alertId: string; correlationId: string };

    // Before the threshold it is only late, not stalled.
    const early = (await api('/api/v1/alerts/stalled')).body as StalledList;
    expect(early.items.map((i) => i.alertId)).not.toContain(alertId);

    const stalled = await eventually(
      async () => {
        const list = (await api('/api/v1/alerts/stalled')).body as StalledList;
        return list.items.find((i) => i.alertId === alertId && i.stage === 'enriched');
      },
      10_000,
      'the alert listed as stalled at enriched',
    );
    expect(stalled).toMatchObject({ correlationId, stage: 'enriched', ageSeconds: expect.any(Number) });
    expect(stalled.ageSeconds).toBeGreaterThanOrEqual(1);

    // The gauge and the one warning come from the watchdog's timer.
    const metrics = await eventually(
      async () => {
        const text = await (await fetch(`${system!.url}/metrics`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).text();
        return /soc_alerts_stalled\{stage="enriched"\} 1/.test(text) ? text : undefined;
      },
      10_000,
      'soc_alerts_stalled{stage="enriched"} 1',
    );
    expect(metrics).toMatch(/soc_alerts_stalled\{stage="received"\} 0/);
    await new Promise((r) => setTimeout(r, 2_100)); // two more scans: still one warning
    const warnings = log.lines().filter((l) => l.alertId === alertId && String(l.msg).includes('stalled'));
    expect(warnings).toHaveLength(1);
    expect(warnings[0]).toMatchObject({ level: 'warn', correlationid: correlationId, stage: 'enriched' });

    // The operator's view: soc stalled, as a table and as JSON.
    const cliEnv = { SOC_API_URL: system.url, SOC_API_TOKEN: OPERATOR_TOKEN };
    const table = await runSoc(['stalled'], cliEnv);
    expect(table.code).toBe(0);
    expect(table.stdout).toMatch(new RegExp(`^${alertId}\\s+enriched\\s+\\d+s\\s+\\S+\\s+${correlationId}$`, 'm'));
    expect(table.stderr).toMatch(/1 alert\(s\) without a decision after 1 s/);
    const json = await runSoc(['stalled', '--json'], cliEnv);
    expect(lines(json.stdout).map((l) => JSON.parse(l) as { alertId: string; stage: string })).toEqual([
      expect.objectContaining({ alertId, stage: 'enriched' }),
    ]);
    expect((await runSoc(['stalled', '--after', '3600'], cliEnv)).stdout).toMatch(/No stalled alerts/);

    // The rest of the pipeline comes up on the same files: the waiting alert is triaged and decided.
    await system.close();
    system = await runServices(selectServices('all'), { env, handleSignals: false });
    const api2 = client(system.url);
    await eventually(
      async () => ((await api2(`/api/v1/alerts/${alertId}`)).body?.stage === 'decided' ? true : undefined),
      15_000,
      'the stalled alert decided',
    );
    const decided = await api2('/api/v1/alerts/generic', { body: alert('stall-2') });
    await eventually(
      async () => ((await api2(`/api/v1/alerts/${decided.body.alertId}`)).body?.stage === 'decided' ? true : undefined),
      10_000,
      'the second alert decided',
    );
    await new Promise((r) => setTimeout(r, 1_500)); // past the threshold
    const after = (await api2('/api/v1/alerts/stalled')).body as StalledList;
    expect(after).toEqual({ stallAfterSeconds: 1, count: 0, items: [] });
    expect((await runSoc(['stalled'], { SOC_API_URL: system.url, SOC_API_TOKEN: OPERATOR_TOKEN })).stdout).toMatch(/No stalled alerts/);
  });
});
