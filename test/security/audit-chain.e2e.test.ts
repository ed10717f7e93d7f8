import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { tamperSqliteAudit } from '@soc/audit/testing';
import { ANALYST_TOKEN, HUNTER_TOKEN, SENDER_TOKEN, client, decidedCase, startSystem } from './support.ts';

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), '../../..');

/** `soc …` as a child process on a data directory, the way an administrator runs it. */
function soc(args: string[], dataDir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const env = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('SOC_')));
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'apps/cli/bin/soc.js'), ...args], { env: { ...env, SOC_DATA_DIR: dataDir }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', fail);
    child.on('close', (code) => done({ code, stdout, stderr }));
  });
}

let dataDir: string;
const copies = mkdtempSync(join(tmpdir(), 'soc-audit-e2e-'));
afterAll(() => {
  rmSync(copies, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

/** A copy of the stopped system's data directory, so each tampering starts from the untouched log. */
function copyOfData(name: string): string {
  const dir = join(copies, name);
  cpSync(dataDir, dir, { recursive: true });
  return dir;
}

beforeAll(async () => {
  const system = await startSystem({ ALLOWLIST_FILES: join(REPO_ROOT, 'services/enrichment/data/allowlist.sample.json') });
  dataDir = system.dataDir;
  try {
    const sender = client(system.url, SENDER_TOKEN);
    const ids: string[] = [];
    for (let i = 1; i <= 3; i++) {
      const res = await sender('/api/v1/alerts/generic', {
        body: { id: `audit-${i}`, title: 'Suspicious PowerShell download', severity: 'high', entities: [{ type: 'host', value: `ws0${i}.contoso.com` }] },
      });
      expect(res.status).toBe(202);
      ids.push(res.body.alertId as string);
    }
    for (const id of ids) await decidedCase(client(system.url, ANALYST_TOKEN), id);
    const disposition = await client(system.url, ANALYST_TOKEN)(`/api/v1/alerts/${ids[0]}/disposition`, { body: { disposition: 'false-positive' } });
    expect(disposition.status).toBe(202);
    const hunt = await client(system.url, HUNTER_TOKEN)('/api/v1/hunt/queries', { body: { query: 'SigninLogs | where ResultType != 0 | take 10', purpose: 'audit e2e' } });
    expect(hunt.status).toBe(200);
  } finally {
    await system.close();
  }
}, 60_000);

describe('the audit trail of a running system', () => {
  it('holds decisions, the disposition, the hunt query and the configuration, and verifies', async () => {
    const list = await soc(['audit', 'list', '--limit', '50', '--json'], dataDir);
    expect(list.code).toBe(0);
    const records = list.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; actor: string; subject: string });
    const kinds = records.map((r) => r.kind);
    expect(kinds.filter((k) => k === 'decision.made')).toHaveLength(3);
    expect(records.filter((r) => r.kind === 'disposition.recorded').map((r) => r.actor)).toEqual(['ana']);
    expect(kinds).toEqual(expect.arrayContaining(['kql.run.started', 'kql.run.finished']));
    expect(records.filter((r) => r.kind === 'config.changed').map((r) => r.subject).sort()).toEqual(expect.arrayContaining(['allowlists', 'decision-policy', 'principals']));
    // Secrets never go in: no token of any principal appears in any record.
    for (const token of [SENDER_TOKEN, ANALYST_TOKEN, HUNTER_TOKEN]) expect(list.stdout).not.toContain(token);

    const verify = await soc(['audit', 'verify'], dataDir);
    expect(verify.stderr).toBe('');
    expect(verify.code).toBe(0);
    expect(verify.stdout).toMatch(/^ok: \d+ records in \d+ streams/);
  });

  it.each([
    // The config chain: allowlists, decision policy and principals recorded at start-up (decisions are spread over
    // lanes of one record or two each here).
    ['edit', 2, 'config #2 edited'],
    ['insert', 2, 'config #3 inserted'],
    ['delete', 2, 'config #2 deleted'],
  ] as const)('names the first bad record after an %s of config #%i in the SQLite state file', async (action, seq, named) => {
    const dir = copyOfData(`${action}-${seq}`);
    tamperSqliteAudit(join(dir, 'state.sqlite'), action, 'config', seq);
    const verify = await soc(['audit', 'verify'], dir);
    expect(verify.code).toBe(1);
    expect(verify.stderr).toContain(`audit log tampered: ${named}`);
  });
});
