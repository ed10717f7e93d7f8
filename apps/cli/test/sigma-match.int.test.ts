import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../src/cli.ts';
import { lines, REPO_ROOT, runSoc } from './support.ts';

interface Regression {
  readonly info: { readonly rule_metadata: readonly { readonly id: string }[] };
  readonly event: unknown;
}
interface MatchLine {
  readonly id: string | null;
  readonly matches: readonly { id: string; title: string; level: string; author: string }[];
  readonly error?: string;
}

const REGRESSION: Regression[] = readFileSync(join(REPO_ROOT, 'test/fixtures/sigma/regression_events.jsonl'), 'utf8')
  .trim()
  .split('\n')
  .map((l) => JSON.parse(l) as Regression);

/** Standard input as the CLI reads it: an async stream of chunks, here split mid-line to exercise the buffering. */
async function* chunks(text: string): AsyncGenerator<string> {
  for (let at = 0; at < text.length; at += 1000) yield text.slice(at, at + 1000);
}

describe('soc sigma match', () => {
  it('prints one line per event from a file with the named rule among its matches, for all 104 regression events', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-sigma-'));
    const file = join(dir, 'events.jsonl');
    writeFileSync(file, REGRESSION.map((r, i) => JSON.stringify({ id: `ev-${i}`, event: r.event })).join('\n'));
    const run = await runSoc(['sigma', 'match', file]);
    expect(run.code).toBe(0);
    const out = lines(run.stdout).map((l) => JSON.parse(l) as MatchLine);
    expect(out.map((o) => o.id)).toEqual(REGRESSION.map((_, i) => `ev-${i}`));
    REGRESSION.forEach((r, i) => {
      const got = out[i]?.matches ?? [];
      for (const { id } of r.info.rule_metadata)
        expect(
          got.map((m) => m.id),
          `ev-${i}`,
        ).toContain(id);
      for (const m of got) expect(Object.keys(m)).toEqual(['id', 'title', 'level', 'author']);
    });
    expect(run.stderr).toMatch(/not compiled: c4a1f389-2e6b-4d9a-8f0c-b73e5a12d947 .*expand/);
  });

  it('reads stdin, answers malformed lines with an error, and uses --rules', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-sigma-'));
    const rules = join(dir, 'rules.jsonl');
    const rule = {
      id: '11111111-2222-3333-4444-555555555555',
      title: 'Grixba scan flag',
      status: 'test',
      level: 'low',
      logsource: { product: 'windows', category: 'process_creation' },
      detection: { s: { 'CommandLine|contains': '-m:scan' }, condition: 's' },
      raw_yaml: 'author: Test Author\n',
    };
    writeFileSync(rules, JSON.stringify(rule));
    const input = [
      JSON.stringify({ id: 'grixba', event: REGRESSION[0]?.event }),
      'not json',
      JSON.stringify({ id: 'flat', event: { CommandLine: '-m:scan' } }),
      JSON.stringify({ id: 'other', event: REGRESSION[1]?.event }),
    ].join('\n');
    const out: string[] = [];
    const err: string[] = [];
    const code = await runCli(['sigma', 'match', '--rules', rules], {
      env: {},
      out: (l) => out.push(l),
      err: (l) => err.push(l),
      stdin: chunks(input),
    });
    expect(code).toBe(0);
    expect(err).toEqual([]);
    expect(out.map((l) => JSON.parse(l) as MatchLine)).toEqual([
      { id: 'grixba', matches: [{ id: rule.id, title: rule.title, level: 'low', author: 'Test Author' }] },
      { id: null, matches: [], error: 'not JSON' },
      { id: 'flat', matches: [], error: 'event is not a Windows event ({"Event": {"System": …}})' },
      { id: 'other', matches: [] },
    ]);
  });

  it("reads source payloads through that source's parser and matches every raw event of its alerts", async () => {
    const wazuh = (name: string): unknown =>
      JSON.parse(readFileSync(join(REPO_ROOT, 'test/fixtures/alerts/wazuh', name), 'utf8')) as unknown;
    const cef = lines(readFileSync(join(REPO_ROOT, 'test/fixtures/eval/dev-set.jsonl'), 'utf8'))
      .map((l) => JSON.parse(l) as { source: string; payload: unknown })
      .find((r) => r.source === 'cef');
    const input = [
      { id: 'dns', source: 'wazuh', payload: wazuh('sysmon-22-ip-lookup.json') },
      // An array of alerts (alerts.json as a batch): the matches of both, each rule once.
      { id: 'batch', source: 'wazuh', payload: [wazuh('security-4688-certutil.json'), wazuh('auditd-tcpdump.json')] },
      { id: 'sshd', source: 'wazuh', payload: wazuh('sshd-invalid-user.json') },
      { id: 'cef', source: 'cef', payload: cef?.payload },
      { id: 'refused', source: 'wazuh', payload: { rule: { level: 3 } } },
      { id: 'unknown', source: 'qradar', payload: {} },
    ]
      .map((l) => JSON.stringify(l))
      .join('\n');
    const out: string[] = [];
    const code = await runCli(['sigma', 'match'], {
      env: {},
      out: (l) => out.push(l),
      err: () => undefined,
      stdin: chunks(input),
    });
    expect(code).toBe(0);
    const got = out.map((l) => JSON.parse(l) as MatchLine & { note?: string });
    expect(got.map((g) => g.id)).toEqual(['dns', 'batch', 'sshd', 'cef', 'refused', 'unknown']);
    expect(got[0]?.matches.map((m) => m.id)).toContain('ec82e2a5-81ea-4211-a1f8-37a0286df2c2');
    const batch = got[1]?.matches.map((m) => m.id) ?? [];
    expect(batch).toEqual(
      expect.arrayContaining(['13e6fe51-d478-4c7e-b0f2-6da9b400a829', 'f4d3748a-65d1-4806-bd23-e25728081d01']),
    );
    expect(new Set(batch).size).toBe(batch.length);
    expect(got[2]).toEqual({
      id: 'sshd',
      matches: [],
      note: 'the wazuh payload carries no raw event to match (its alerts have no sourceEvents)',
    });
    expect(got[3]).toEqual({
      id: 'cef',
      matches: [],
      note: 'the cef payload carries no raw event to match (its alerts have no sourceEvents)',
    });
    expect(got[4]).toMatchObject({
      id: 'refused',
      matches: [],
      error: expect.stringMatching(/^wazuh payload refused: id: /),
    });
    expect(got[5]).toEqual({ id: 'unknown', matches: [], error: 'unknown source "qradar"' });
  });

  it('fails with the reason when the rules file cannot be read', async () => {
    const err: string[] = [];
    const code = await runCli(['sigma', 'match', '--rules', '/nonexistent/rules.jsonl'], {
      env: {},
      out: () => undefined,
      err: (l) => err.push(l),
      stdin: chunks(''),
    });
    expect(code).toBe(1);
    expect(err.join('\n')).toMatch(
      /soc sigma match: Cannot load Sigma rules: cannot read Sigma rules \/nonexistent\/rules.jsonl/,
    );
  });
});
