import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT, runSoc } from './support.ts';

// Every row of GUIDE organisations 1 and 4 (test/fixtures/triage/README.md): 490 evidence rows, 355 alerts.
const SLICE = join(REPO_ROOT, 'test/fixtures/triage/guide-orgs-1-4.csv');

describe('soc eval', () => {
  it('replays the GUIDE slice and prints the engine against the per-detector baseline as JSON', async () => {
    const run = await runSoc(['eval', SLICE, '--json']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as {
      format: string;
      items: number;
      labels: Record<string, number>;
      engine: { macroF1: number; coverage: number; perClass: Record<string, { predicted: number }>; calibration: unknown[] };
      baseline: { macroF1: number; perClass: Record<string, { predicted: number }> };
    };
    expect(report).toMatchObject({ format: 'guide', items: 355, labels: { 'true-positive': 224, 'benign-positive': 19, 'false-positive': 112 } });
    expect(report.engine.macroF1).toBeCloseTo(0.6384, 4);
    expect(report.baseline.macroF1).toBeCloseTo(0.6292, 4);
    expect(report.engine.perClass['false-positive']?.predicted).toBe(130);
    expect(report.baseline.perClass['false-positive']?.predicted).toBe(135);
    expect(report.engine.calibration).toHaveLength(10);
  });

  it('prints a table for people, and reads the JSONL format', async () => {
    const table = await runSoc(['eval', SLICE]);
    expect(table.code).toBe(0);
    expect(table.stdout).toContain('Evaluated 355 GUIDE alerts in time order (engine 1.9.0+weights.1.9.0)');
    expect(table.stdout).toMatch(/^macro-F1 {14}0\.638 {5}0\.629$/m);
    expect(table.stdout).toContain('The engine beats the baseline by 0.009 macro-F1.');

    const dir = mkdtempSync(join(tmpdir(), 'soc-eval-'));
    const file = join(dir, 'labelled.jsonl');
    const alert = (id: string, minute: number) => ({
      schemaVersion: 1,
      alertId: id,
      tenantId: 'contoso',
      source: { name: 'generic', vendorAlertId: id },
      title: 'Impossible travel',
      severity: 'low',
      detectedAt: `2024-05-01T00:0${minute}:00Z`,
      rule: { id: 'impossible-travel' },
    });
    writeFileSync(file, ['false-positive', 'false-positive', 'false-positive'].map((label, i) => JSON.stringify({ alert: alert(`a${i}`, i), label })).join('\n'));
    const jsonl = await runSoc(['eval', file, '--json']);
    expect(jsonl.code).toBe(0);
    const report = JSON.parse(jsonl.stdout) as { format: string; items: number; baseline: { accuracy: number } };
    // The baseline knows nothing before the first label, then predicts the rule's false positives.
    expect(report).toMatchObject({ format: 'jsonl', items: 3, baseline: { accuracy: 2 / 3 } });
  });

  it('exits 2 on usage errors and 1 on a file that is not GUIDE', async () => {
    expect(await runSoc(['eval'])).toMatchObject({ code: 2, stderr: 'soc eval: Missing <file> (see soc eval --help)\n' });
    expect((await runSoc(['eval', SLICE, '--format', 'xlsx'])).code).toBe(2);
    const dir = mkdtempSync(join(tmpdir(), 'soc-eval-'));
    const notGuide = join(dir, 'x.csv');
    writeFileSync(notGuide, 'a,b\n1,2\n');
    const run = await runSoc(['eval', notGuide]);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('not a GUIDE file: missing column(s) OrgId, AlertId, Timestamp, DetectorId, IncidentGrade');
  });
});
