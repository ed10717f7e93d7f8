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
