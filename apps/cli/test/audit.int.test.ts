import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { StateAuditTrail } from '@soc/audit';
import { tamperSqliteAudit } from '@soc/audit/testing';
import { SqliteStateStore } from '@soc/state';
import { lines, runSoc } from './support.ts';

let dataDir: string;
let lastHash: string;
const env = () => ({ SOC_DATA_DIR: dataDir });

/** A state file the way a running instance leaves it: decisions, a disposition, a config change. */
beforeEach(async () => {
  dataDir = mkdtempSync(join(tmpdir(), 'soc-cli-audit-'));
  const state = new SqliteStateStore({ path: join(dataDir, 'state.sqlite'), purgeIntervalMs: 0 });
  const audit = new StateAuditTrail(state);
  for (let i = 1; i <= 4; i++) lastHash = (await audit.append({ kind: 'decision.made', actor: 'decision', subject: `alt-${i}`, data: { refusals: 0 } })).hash;
  await audit.append({ kind: 'disposition.recorded', actor: 'ana', subject: 'alt-2', data: { disposition: 'false-positive' } });
  await audit.append({ kind: 'config.changed', actor: 'decision', subject: 'decision-policy', data: { sha256: 'ab'.repeat(32) } });
  await state.close();
});
afterEach(() => rmSync(dataDir, { recursive: true, force: true }));

describe('soc audit verify', () => {
  it('passes an untouched log with the record count and each stream\'s last hash', async () => {
    const run = await runSoc(['audit', 'verify'], env());
    expect(run.code).toBe(0);
    expect(lines(run.stdout)[0]).toBe('ok: 6 records in 3 streams');
    expect(run.stdout).toContain(`decision: 4 records, last #4 ${lastHash}`);
  });

  it.each([
    ['edit', 3, 'decision #3 edited'],
    ['insert', 2, 'decision #3 inserted'],
    ['delete', 2, 'decision #2 deleted'],
    ['delete', 4, 'decision #4 deleted'],
  ] as const)('names the first bad record after an %s of #%i in the SQLite file, and exits 1', async (action, seq, named) => {
    tamperSqliteAudit(join(dataDir, 'state.sqlite'), action, 'decision', seq);
    const run = await runSoc(['audit', 'verify'], env());
    expect(run.code).toBe(1);
    expect(run.stderr).toContain(`audit log tampered: ${named}`);
  });

  it('refuses a data directory without a state file instead of verifying an empty log', async () => {
    const run = await runSoc(['audit', 'verify'], { SOC_DATA_DIR: join(dataDir, 'absent') });
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('No state file');
  });
});

describe('soc audit list', () => {
  it('prints the most recent records, newest first', async () => {
    const run = await runSoc(['audit', 'list', '--limit', '2', '--stream', 'decision'], env());
    expect(run.code).toBe(0);
    const out = lines(run.stdout);
    expect(out[0]).toMatch(/^AT\s+RECORD\s+KIND\s+ACTOR\s+SUBJECT/);
    expect(out.slice(1).map((l) => l.split(/\s{2,}/)[1])).toEqual(['decision #4', 'decision #3']);
  });
});
