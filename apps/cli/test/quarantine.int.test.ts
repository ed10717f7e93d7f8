import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ingestionService } from '@soc/ingestion';
import { runServices, type RunningSystem } from '@soc/platform';
import { GENERIC_ALERTS, lines, runSoc } from './support.ts';

/** `soc quarantine` against the real ingestion service; `soc normalize` locally on real payloads. */
describe('soc quarantine list|show|replay', () => {
  let dataDir: string;
  let system: RunningSystem;
  let env: Record<string, string>;
  let token: string;

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'soc-cli-quarantine-'));
    system = await runServices([ingestionService], { env: { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent' }, handleSignals: false });
    env = { SOC_DATA_DIR: dataDir, SOC_API_URL: system.url };
    // Alerts are posted with the sender token; the CLI reads the quarantine with the analyst one (api-token).
    token = (await readFile(join(dataDir, 'sender-token'), 'utf8')).trim();
  });
  afterAll(async () => {
    await system.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  const postRaw = async (body: string) => {
    const res = await fetch(`${system.url}/api/v1/alerts/generic`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body });
    return { status: res.status, body: (await res.json()) as { quarantineId?: string } };
  };

  it('lists a refused body, shows its reasons and exact body, and says when there is nothing', async () => {
    expect(lines((await runSoc(['quarantine', 'list'], env)).stdout)).toEqual(['No quarantined payloads.']);
    const bad = JSON.stringify({ id: 'q-1', title: 'Impossible travel', severity: 'urgent' });
    const refused = await postRaw(bad);
    expect(refused.status).toBe(400);
    const id = refused.body.quarantineId!;
    const list = await runSoc(['quarantine', 'list'], env);
    expect(list.code).toBe(0);
    expect(list.stdout).toContain(id);
    expect(list.stdout).toContain('severity');
    const show = await runSoc(['quarantine', 'show', id], env);
    expect(show.code).toBe(0);
    expect(show.stdout).toContain('[0] severity:');
    expect(show.stdout).toContain(bad);
    expect(show.stdout).not.toContain(token);
    const bodyOnly = await runSoc(['quarantine', 'show', id, '--body'], env);
    expect(bodyOnly.stdout.trim()).toBe(bad);
    const json = await runSoc(['quarantine', 'list', '--json'], env);
    expect(JSON.parse(lines(json.stdout)[0]!)).toMatchObject({ id, source: 'generic', status: 'quarantined' });
  });

  it('replay of a body that still fails exits 1 with the reasons; unknown ids fail with one line', async () => {
    const refused = await postRaw('{"id": "broken",');
    const run = await runSoc(['quarantine', 'replay', refused.body.quarantineId!], env);
    expect(run.code).toBe(1);
    expect(run.stdout).toContain('still refused');
    expect(run.stderr).toContain('still refused');
    const unknown = await runSoc(['quarantine', 'show', 'q-000'], env);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain('HTTP 404');
    expect((await runSoc(['quarantine', 'replay'], env)).code).toBe(2);
  });
});

describe('soc normalize', () => {
  it('prints one common alert per line for a real payload file', async () => {
    const run = await runSoc(['normalize', '--source', 'generic', GENERIC_ALERTS, '--tenant', 'contoso']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const alerts = lines(run.stdout).map((l) => JSON.parse(l) as { schemaVersion: number; tenantId: string; entities: unknown[] });
    expect(alerts).toHaveLength(95);
    expect(alerts.every((a) => a.schemaVersion === 1 && a.tenantId === 'contoso')).toBe(true);
  });

  it('prints the field errors of a payload that does not parse, and exits 1', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'soc-normalize-'));
    const file = join(dir, 'bad.json');
    await writeFile(file, JSON.stringify([{ id: 'a', title: 'ok', severity: 'low' }, { id: 'b', severity: 'urgent' }]));
    const run = await runSoc(['normalize', '--source', 'generic', file]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('[1] severity:');
    expect((await runSoc(['normalize', file])).code).toBe(2);
    expect((await runSoc(['normalize', '--source', 'nosuch', file])).stderr).toContain('Unknown source');
    await rm(dir, { recursive: true, force: true });
  });
});
