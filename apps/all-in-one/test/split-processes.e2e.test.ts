import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { OPERATOR_TOKEN, TOKEN, client, eventually } from './support.ts';

const ROOT = new URL('../../../', import.meta.url).pathname;
const children: ChildProcess[] = [];

/** One OS process running the services SOC_SERVICE names, on a shared data directory. */
async function startServices(services: string, dataDir: string): Promise<string> {
  const port = 20_000 + Math.floor(Math.random() * 20_000);
  const child = spawn(process.execPath, [join(ROOT, 'apps/all-in-one/src/main.ts')], {
    env: { ...process.env, SOC_SERVICE: services, SOC_DATA_DIR: dataDir, PORT: String(port), HOST: '127.0.0.1', SOC_SENDER_TOKEN: TOKEN, SOC_API_TOKEN: OPERATOR_TOKEN, LOG_LEVEL: 'error' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  children.push(child);
  const url = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    try {
      return (await fetch(`${url}/healthz`)).ok ? true : undefined;
    } catch {
      return undefined;
    }
  }, 15_000, `${services} to listen`);
  return url;
}

afterAll(() => {
  for (const c of children) c.kill('SIGTERM');
});

describe('split deployment by configuration alone', () => {
  it('edge services in one process and the pipeline in another share the SQLite bus and state', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'soc-split-'));
    const edge = await startServices('ingestion,api', dataDir);
    const pipeline = await startServices('enrichment,triage,decision,notification,ticketing,containment', dataDir);
    const api = client(edge);
    const posted = await api('/api/v1/alerts/generic', {
      body: { id: 'split-1', title: 'Possible credential dumping detected', severity: 'high', entities: [{ type: 'host', value: 'dc01.contoso.com' }] },
    });
    expect(posted.status).toBe(202);
    const view = await eventually(async () => {
      const v = (await api(`/api/v1/alerts/${posted.body.alertId}`)).body;
      return v.stage === 'decided' && v.tickets.length === 1 ? v : undefined;
    }, 10_000, 'the decision made in the other process');
    expect(view.timeline.map((t: { source: string }) => t.source)).toEqual(expect.arrayContaining(['/soc/ingestion', '/soc/enrichment', '/soc/triage', '/soc/decision', '/soc/ticketing']));
    // The pipeline process serves no alert routes of its own, and no route answers without a token.
    expect((await fetch(`${pipeline}/api/v1/alerts/${posted.body.alertId}`, { headers: { authorization: `Bearer ${OPERATOR_TOKEN}` } })).status).toBe(404);
    expect((await fetch(`${pipeline}/healthz`)).status).toBe(200);
  }, 60_000);
});
