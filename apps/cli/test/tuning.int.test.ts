import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { apiService } from '@soc/api';
import { runServices, type RunningSystem } from '@soc/platform';
import { lines, runSoc } from './support.ts';

const ADMIN = 'admin-token-0123456789abcdef';
const VIEWER = 'viewer-token-0123456789abcdef';

/** `soc tuning get|set` against the real api service: versions, the stale-version refusal, reasons, audit. */
describe('soc tuning get|set', () => {
  let dataDir: string;
  let system: RunningSystem;
  const env = (token: string) => ({ SOC_DATA_DIR: dataDir, SOC_API_URL: system.url, SOC_API_TOKEN: token });

  beforeAll(async () => {
    dataDir = await mkdtemp(join(tmpdir(), 'soc-cli-tuning-'));
    system = await runServices([apiService], {
      env: { SOC_DATA_DIR: dataDir, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'silent', SOC_API_TOKENS: `root:${ADMIN},vera:${VIEWER}`, SOC_API_ROLES: 'root:admin,vera:viewer', SOC_API_TENANTS: 'root:*,vera:*' },
      handleSignals: false,
    });
  });
  afterAll(async () => {
    await system.close();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('gets version 0, sets from the file get printed, refuses a stale file (409) and bad entries (400, each reason), and audits the change', async () => {
    const empty = await runSoc(['tuning', 'get', '--tenant', 'contoso'], env(ADMIN));
    expect(empty.code).toBe(0);
    const doc = JSON.parse(empty.stdout) as { version: number; entries: unknown[] };
    expect(doc).toMatchObject({ version: 0, entries: [] });

    const file = join(dataDir, 'tuning.json');
    doc.entries = [{ id: 'corp-backup', kind: 'exception', behaviour: 'download-cradle', field: 'ParentImage', match: 'endswith', value: '\\Tools\\corp-backup.exe', reason: 'backup updates (CHG-1042)' }];
    await writeFile(file, JSON.stringify(doc));
    const set = await runSoc(['tuning', 'set', '--tenant', 'contoso', '--file', file], env(ADMIN));
    expect(set.code).toBe(0);
    expect(set.stderr).toMatch(/Tenant contoso: triage tuning version 1 \([0-9a-f]{12}\), 1 entries/);
    expect(JSON.parse(set.stdout)).toMatchObject({ version: 1, changedBy: 'root', entries: [{ id: 'corp-backup', author: 'root' }] });

    const stale = await runSoc(['tuning', 'set', '--tenant', 'contoso', '--file', file], env(ADMIN));
    expect(stale.code).toBe(1);
    expect(stale.stderr).toMatch(/HTTP 409 .*version 1, not 0/);

    await writeFile(file, JSON.stringify({ version: 1, entries: [{ id: 'x', kind: 'exception', behaviour: 'download-cradle', field: 'Image', match: 'endswith', value: '.exe', reason: 'r' }] }));
    const bad = await runSoc(['tuning', 'set', '--tenant', 'contoso', '--file', file], env(ADMIN));
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/HTTP 400[^]*entries: entries\[0\] \(x\): an endswith value of fewer than 8 characters/);

    const history = JSON.parse((await runSoc(['tuning', 'get', '--tenant', 'contoso', '--history'], env(ADMIN))).stdout) as { items: { version: number }[] };
    expect(history.items.map((i) => i.version)).toEqual([1]);
    expect((await runSoc(['tuning', 'get', '--tenant', 'contoso'], env(VIEWER))).stderr).toContain('HTTP 403');

    const audit = await runSoc(['audit', 'list', '--stream', 'config', '--json'], { SOC_DATA_DIR: dataDir });
    const records = lines(audit.stdout).map((l) => JSON.parse(l) as { kind: string; actor: string; subject: string; data: Record<string, unknown> });
    const changes = records.filter((r) => r.subject === 'triage-tuning:contoso');
    expect(changes.map((r) => [r.kind, r.actor, r.data.version, r.data.previousSha256])).toEqual([['config.changed', 'root', 1, null]]);
    expect(changes[0]?.data.sha256).toBe(JSON.parse(set.stdout).sha256);
  });
});
