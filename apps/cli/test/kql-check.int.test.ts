import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { lines, REPO_ROOT, runSoc, SOC_BIN, type SocRun } from './support.ts';

/** `soc` with text on stdin (runSoc closes stdin). */
function runSocWithInput(args: readonly string[], input: string): Promise<SocRun> {
  const node = Number(process.versions.node.split('.')[0]) >= 24 ? process.execPath : join(REPO_ROOT, 'node_modules/.bin/node');
  return new Promise((resolve, reject) => {
    const child = spawn(node, [SOC_BIN, ...args], { cwd: REPO_ROOT, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (c: string) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c: string) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(input);
  });
}

describe('soc kql check', () => {
  it('answers each JSON line with a verdict line, malformed lines included, and exits 0', async () => {
    const input = [
      JSON.stringify({ id: 'ok', query: 'SigninLogs | where ResultType != "0" | take 5' }),
      JSON.stringify({ id: 'exfil', query: 'SigninLogs | join (externaldata (IPAddress:string) [@"https://x.example/a"]) on IPAddress' }),
      'this is not json',
      JSON.stringify({ id: 7 }),
      '',
      JSON.stringify({ id: 'cmd', query: '.drop table SigninLogs' }),
    ].join('\n');
    const run = await runSocWithInput(['kql', 'check'], input);
    expect(run.code).toBe(0);
    const out = lines(run.stdout).map((l) => JSON.parse(l) as { id: unknown; verdict: string; reasons: { code: string }[]; tables: string[]; query: string });
    expect(out.map((o) => [o.id, o.verdict, o.reasons.map((r) => r.code)])).toEqual([
      ['ok', 'allow', []],
      ['exfil', 'deny', ['externaldata']],
      [null, 'deny', ['invalid-input']],
      [7, 'deny', ['invalid-input']],
      ['cmd', 'deny', ['control-command']],
    ]);
    expect(out[0]).toEqual({ id: 'ok', verdict: 'allow', reasons: [], tables: ['SigninLogs'], query: 'SigninLogs | where ResultType != "0" | take 5\n| take 10000' });
    expect(Object.keys(out[1] ?? {})).toEqual(['id', 'verdict', 'reasons', 'tables', 'query']);
  });

  it('applies a policy file and refuses a bad one with the field named', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-kql-'));
    const policy = join(dir, 'policy.json');
    writeFileSync(policy, JSON.stringify({ tables: '*', rowCap: 20 }));
    const run = await runSocWithInput(['kql', 'check', '--policy', policy], JSON.stringify({ id: 1, query: 'MyApp_CL | take 100' }));
    expect(JSON.parse(run.stdout)).toMatchObject({ verdict: 'allow', tables: ['MyApp_CL'], query: 'MyApp_CL | take 100\n| take 20' });

    const bad = join(dir, 'bad.json');
    writeFileSync(bad, JSON.stringify({ rowCap: -1 }));
    const refused = await runSoc(['kql', 'check', '--policy', bad, '--text', 'SigninLogs']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toContain(`soc kql check: KQL policy ${bad} is invalid: rowCap:`);
  });

  it('prints a readable verdict for --text with line:column and a caret', async () => {
    const run = await runSoc(['kql', 'check', '--text', 'let x = 1;\nSigninLogs | evaluate python(typeof(*), "x")']);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        'DENY',
        'tables: SigninLogs',
        '',
        '2:14 plugin-denied: evaluate python reaches outside the workspace or runs code: never allowed',
        '  SigninLogs | evaluate python(typeof(*), "x")',
        `  ${' '.repeat(13)}${'^'.repeat(31)}`,
        '',
      ].join('\n'),
    );
    const allowed = await runSoc(['kql', 'check', '--text', 'SigninLogs | take 1']);
    expect(allowed.stdout).toBe('ALLOW\ntables: SigninLogs\n\nruns as:\nSigninLogs | take 1\n| take 10000\n');
    expect((await runSoc(['kql', 'check', 'extra'])).code).toBe(2);
  });
});
