import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runSoc } from './support.ts';

// The labelled development set of source payloads (test/fixtures/eval/README.md) and the whole GUIDE sample.
const DEV_SET = join(REPO_ROOT, 'test/fixtures/eval/dev-set.jsonl');
const GUIDE = join(REPO_ROOT, 'test/fixtures/triage/guide-sample-earlier.csv');

interface Score {
  payloads: number;
  parsed: number;
  alerts: number;
  verdicts: number;
  needsMoreInformation: number;
  macroF1: number;
  recall: number;
  fpr: number;
  escalation: { f1: number; fpr: number; recall: number };
}
interface Report {
  format: string;
  payloads: number;
  zeroShot: { overall: Score; bySource: Record<string, Score> };
  online: { overall: Score; bySource: Record<string, Score> };
}

describe('soc eval on labelled source payloads', () => {
  it('parses every payload of the development set with the real parsers and reports both modes per source', async () => {
    const run = await runSoc(['eval', DEV_SET, '--json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as Report;
    expect(report).toMatchObject({ format: 'sources', payloads: 265 });
    for (const mode of [report.zeroShot, report.online]) {
      expect(mode.overall).toMatchObject({ payloads: 265, parsed: 265, alerts: 265 });
      expect(mode.overall.verdicts + mode.overall.needsMoreInformation).toBe(265);
      expect(Object.keys(mode.bySource).sort()).toEqual(['cef', 'wazuh']);
      expect(mode.bySource.wazuh).toMatchObject({ payloads: 207, parsed: 207 });
    }
    // Feedback never hurts (issue 12): online scores at least as well as zero-shot.
    expect(report.online.overall.macroF1).toBeGreaterThanOrEqual(report.zeroShot.overall.macroF1);
    expect(report.online.overall.recall).toBeGreaterThanOrEqual(report.zeroShot.overall.recall);

    const table = await runSoc(['eval', DEV_SET]);
    expect(table.stdout).toContain('Evaluated 265 labelled source payloads in time order through the real parsers');
    expect(table.stdout).toMatch(/^all +zero-shot +265 +265 +265 /m);
    expect(table.stdout).toMatch(/^wazuh +zero-shot +207 +207 +207 /m);
  });

  // CI guard: thresholds just below today's measured values (docs/triage-quality.md); a regression fails here.
  it('passes today\'s minimums on the development set and on GUIDE, and exits 1 with the reason below them', async () => {
    expect(await runSoc(['eval', DEV_SET, '--min-macro-f1', '0.54', '--min-recall', '0.95'])).toMatchObject({ code: 0, stderr: '' });
    const f1 = await runSoc(['eval', DEV_SET, '--min-macro-f1', '0.6']);
    expect(f1).toMatchObject({ code: 1, stderr: 'soc eval: zero-shot macro-F1 0.550 is below --min-macro-f1 0.6\n' });
    const recall = await runSoc(['eval', DEV_SET, '--min-recall', '0.97']);
    expect(recall).toMatchObject({ code: 1, stderr: 'soc eval: zero-shot true-positive recall 0.962 is below --min-recall 0.97\n' });

    expect(await runSoc(['eval', GUIDE, '--min-macro-f1', '0.83', '--min-recall', '0.82'])).toMatchObject({ code: 0, stderr: '' });
    expect(await runSoc(['eval', GUIDE, '--min-macro-f1', '0.84'])).toMatchObject({ code: 1, stderr: 'soc eval: engine macro-F1 0.836 is below --min-macro-f1 0.84\n' });
    expect(await runSoc(['eval', GUIDE, '--min-recall', '0.84'])).toMatchObject({ code: 1, stderr: 'soc eval: engine true-positive recall 0.830 is below --min-recall 0.84\n' });
    expect((await runSoc(['eval', GUIDE, '--min-recall', '1.5'])).code).toBe(2);
  }, 120_000); // seven CLI runs (~3 s CPU each on the 265-line set); wall time grows on a shared machine

  // Issue 12's lab failure: a rule's benign noise arrived first, its prior learned "benign" and buried the attacks
  // that fired the same rule. The development set replayed that way (every look-alike before every attack, one
  // week, so no decay helps): feedback may not make the copilot blind to an attack.
  it('feedback never buries an attack: the set with its benign noise first scores online at least as zero-shot', async () => {
    const rows = readFileSync(DEV_SET, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as { label: string; at: string });
    const ordered = [...rows.filter((r) => r.label !== 'true-positive'), ...rows.filter((r) => r.label === 'true-positive')];
    const dir = mkdtempSync(join(tmpdir(), 'soc-eval-noise-first-'));
    const file = join(dir, 'noise-first.jsonl');
    writeFileSync(file, ordered.map((r, i) => JSON.stringify({ ...r, at: new Date(Date.UTC(2026, 10, 1) + i * 600_000).toISOString() })).join('\n') + '\n');
    const run = await runSoc(['eval', file, '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report;
    const [zero, online] = [report.zeroShot.bySource.wazuh!, report.online.bySource.wazuh!];
    expect(online.recall).toBeGreaterThanOrEqual(zero.recall);
    expect(online.escalation.f1).toBeGreaterThanOrEqual(zero.escalation.f1);
    expect(online.escalation.fpr).toBeLessThanOrEqual(zero.escalation.fpr);
  }, 60_000);

  it('counts a payload its parser refuses as a miss, and refuses an unknown source', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'soc-eval-sources-'));
    const file = join(dir, 'payloads.jsonl');
    writeFileSync(file, JSON.stringify({ source: 'wazuh', payload: { rule: {} }, label: 'true-positive', at: '2024-05-01T00:00:00Z' }) + '\n');
    const run = await runSoc(['eval', file, '--json']);
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout) as Report & { refused: { line: number; source: string }[] };
    expect(report.online.overall).toMatchObject({ payloads: 1, parsed: 0, alerts: 0, recall: 0 });
    expect(report.refused).toMatchObject([{ line: 1, source: 'wazuh' }]);
    expect((await runSoc(['eval', file, '--min-recall', '0.1'])).code).toBe(1);

    writeFileSync(file, JSON.stringify({ source: 'qradar', payload: {}, label: 'true-positive', at: '2024-05-01T00:00:00Z' }) + '\n');
    const unknown = await runSoc(['eval', file]);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toContain("line 1: unknown source 'qradar'");
  }, 60_000);
});
