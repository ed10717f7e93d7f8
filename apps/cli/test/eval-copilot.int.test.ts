import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { type OpenAiRecorder, type RecordedRequest, type ScriptedResponse, startOpenAiRecorder } from '../../../services/triage/test/support/openai-recorder.ts';
import { runSoc } from './support.ts';

const API_KEY = 'sk-eval-3f9c2a7d51e84b06a1c9d2e7f4b8a6c0';
const USAGE = { prompt_tokens: 100, completion_tokens: 10 };

/**
 * A model whose answer follows from the prompt: the marker in the alert's title says which verdict it gives, or
 * which malformed answer (not JSON; JSON off the schema). It cites the first entity (E1) as its evidence.
 */
function markerModel(req: RecordedRequest): ScriptedResponse {
  const prompt = req.body.messages?.map((m) => m.content).join('\n') ?? '';
  const marker = /\[(tp|bp|fp|nmi|broken|off-schema)\]/.exec(prompt)?.[1] as 'tp' | 'bp' | 'fp' | 'nmi' | 'broken' | 'off-schema' | undefined;
  const answer = (cls: string): ScriptedResponse => ({
    usage: USAGE,
    content: JSON.stringify({ summary: 'scripted', verdict: { class: cls, confidence: 0.9 }, evidence: ['E1'], investigationSteps: [], recommendedActions: [], huntQueries: [] }),
  });
  switch (marker) {
    case 'tp':
      return answer('true-positive');
    case 'bp':
      return answer('benign-positive');
    case 'fp':
      return answer('false-positive');
    case 'nmi':
      return answer('needs-more-information');
    case 'broken':
      return { usage: USAGE, content: 'I think this one is bad, honestly.' };
    case 'off-schema':
      return answer('probably-bad');
    case undefined:
      return { status: 500, json: { error: { message: 'no marker in the prompt', type: 'server_error' } } };
  }
}

// [copilot marker, label]: copilot classes TP TP FP – FP TP BP – against labels TP TP TP TP FP FP BP BP.
const CASES: [string, string][] = [
  ['tp', 'true-positive'],
  ['tp', 'true-positive'],
  ['fp', 'true-positive'],
  ['broken', 'true-positive'],
  ['fp', 'false-positive'],
  ['tp', 'false-positive'],
  ['bp', 'benign-positive'],
  ['off-schema', 'benign-positive'],
];

function alertLine(marker: string, label: string, i: number): string {
  const alert = {
    schemaVersion: 1,
    alertId: `a${i}`,
    tenantId: 'contoso',
    source: { name: 'generic', vendorAlertId: `v${i}` },
    title: `Suspicious process [${marker}] number ${i}`,
    severity: 'medium',
    detectedAt: `2024-05-01T00:0${i}:00Z`,
    rule: { id: 'suspicious-process' },
    entities: [{ id: `host:ws-${i}`, type: 'host', origin: 'source', value: `ws-${i}`, hostname: `ws-${i}` }],
  };
  return JSON.stringify({ alert, label, at: `2024-05-01T00:0${i}:00Z` });
}

function labelledFile(): string {
  const dir = mkdtempSync(join(tmpdir(), 'soc-eval-copilot-'));
  const file = join(dir, 'labelled.jsonl');
  writeFileSync(file, CASES.map(([marker, label], i) => alertLine(marker, label, i)).join('\n') + '\n');
  return file;
}

const endpoint = (r: OpenAiRecorder, extra: Record<string, string> = {}): Record<string, string> => ({
  LLM_PROVIDER: 'openai',
  OPENAI_BASE_URL: r.baseURL,
  OPENAI_API_KEY: API_KEY,
  LLM_MODEL: 'scripted-model',
  ...extra,
});

let recorder: OpenAiRecorder | undefined;
afterEach(async () => {
  await recorder?.close();
  recorder = undefined;
});

interface Column {
  macroF1: number;
  accuracy: number;
  coverage: number;
  perClass: Record<string, { precision: number; recall: number; f1: number; predicted: number }>;
  escalation: { precision: number; recall: number; f1: number; fpr: number; escalated: number };
}

describe('soc eval --copilot', () => {
  it("scores the copilot's own verdicts from the model's answers, counts malformed answers as no verdict, and never prints the key", async () => {
    recorder = await startOpenAiRecorder(markerModel);
    const file = labelledFile();
    const run = await runSoc(['eval', file, '--json', '--copilot'], endpoint(recorder, { LLM_PRICE_PROMPT_PER_1K: '0.01', LLM_PRICE_COMPLETION_PER_1K: '0.03' }));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as { items: number; engine: Column; baseline: Column; copilot: Column & Record<string, unknown> };
    expect(report.items).toBe(8);

    // One call per alert, with the key, through the service's fenced prompt (the title is attacker text).
    expect(recorder.requests).toHaveLength(8);
    expect(recorder.requests.every((r) => r.headers['authorization'] === `Bearer ${API_KEY}`)).toBe(true);
    expect(recorder.requests.every((r) => /<<<UNTRUSTED-[0-9a-f]+\n[^]*\[(tp|bp|fp|broken|off-schema)\]/.test(r.body.messages?.[1]?.content ?? ''))).toBe(true);
    // Online: the copilot sees the history the engine saw, dispositions fed back so far included.
    const last = recorder.requests.find((r) => (r.body.messages?.[1]?.content ?? '').includes('number 7'));
    expect(last?.body.messages?.[1]?.content).toContain('This detection fired 7 time(s) before');

    const c = report.copilot;
    // By hand from CASES: TP P 2/3 R 1/2; BP P 1 R 1/2; FP P 1/2 R 1/2; two answers without a verdict.
    expect(c.perClass['true-positive']).toMatchObject({ predicted: 3, precision: 2 / 3, recall: 0.5 });
    expect(c.perClass['benign-positive']).toMatchObject({ predicted: 1, precision: 1, recall: 0.5 });
    expect(c.perClass['false-positive']).toMatchObject({ predicted: 2, precision: 0.5, recall: 0.5 });
    expect(c.macroF1).toBeCloseTo((4 / 7 + 2 / 3 + 1 / 2) / 3, 10);
    expect(c.accuracy).toBe(0.5);
    expect(c.coverage).toBe(0.75);
    // Escalated: TP verdicts and no verdict (items 1 2 4 6 8): 3 of 4 attacks, 2 of 4 benign.
    expect(c.escalation).toMatchObject({ escalated: 5, recall: 0.75, precision: 0.6, fpr: 0.5 });
    expect(c.escalation.f1).toBeCloseTo(2 / 3, 10);
    expect(c).toMatchObject({ model: 'scripted-model', alerts: 8, answered: 6, noVerdict: { 'bad-output': 2 }, calls: 8, promptTokens: 800, completionTokens: 80 });
    expect(c['cost']).toBeCloseTo(8 * (0.1 * 0.01 + 0.01 * 0.03), 10);
    // The engine and the baseline carry the escalation view too.
    expect(report.engine.escalation.escalated).toBeGreaterThanOrEqual(0);
    expect(report.baseline.escalation).toMatchObject({ recall: expect.any(Number), fpr: expect.any(Number) });
    expect(run.stdout).not.toContain(API_KEY);

    const table = await runSoc(['eval', file, '--copilot'], endpoint(recorder));
    expect(table).toMatchObject({ code: 0, stderr: '' });
    expect(table.stdout).toMatch(/^macro-F1 {14}\d\.\d{3} {5}\d\.\d{3} {5}0\.579$/m);
    expect(table.stdout).toMatch(/^escalation FPR +\d\.\d{3} +\d\.\d{3} +0\.500$/m);
    expect(table.stdout).toContain('copilot scripted-model: 6 of 8 alerts given a verdict (no verdict: bad-output 2); 8 calls; 800 prompt + 80 completion tokens; cost n/a');
    expect(table.stdout + table.stderr).not.toContain(API_KEY);
  }, 60_000);

  it('applies --min-copilot-macro-f1 and --min-copilot-recall to the copilot column, and --copilot-limit to every column', async () => {
    recorder = await startOpenAiRecorder(markerModel);
    const file = labelledFile();
    const env = endpoint(recorder);
    expect(await runSoc(['eval', file, '--copilot', '--min-copilot-macro-f1', '0.57', '--min-copilot-recall', '0.5'], env)).toMatchObject({ code: 0, stderr: '' });
    expect(await runSoc(['eval', file, '--copilot', '--min-copilot-macro-f1', '0.58'], env)).toMatchObject({ code: 1, stderr: 'soc eval: copilot macro-F1 0.579 is below --min-copilot-macro-f1 0.58\n' });
    expect(await runSoc(['eval', file, '--copilot', '--min-copilot-recall', '0.6'], env)).toMatchObject({
      code: 1,
      stderr: 'soc eval: copilot true-positive recall 0.500 is below --min-copilot-recall 0.6\n',
    });
    const before = recorder.requests.length;
    const limited = await runSoc(['eval', file, '--json', '--copilot', '--copilot-limit', '3', '--copilot-concurrency', '1'], env);
    expect(limited.code).toBe(0);
    const report = JSON.parse(limited.stdout) as { items: number; copilot: { alerts: number; calls: number } };
    expect(report).toMatchObject({ items: 3, copilot: { alerts: 3, calls: 3 } });
    expect(recorder.requests.length - before).toBe(3);
  }, 90_000);

  it('asks --copilot-concurrency alerts at once (default 2), and never prints the key an endpoint echoes when it refuses it', async () => {
    let inFlight = 0;
    let most = 0;
    recorder = await startOpenAiRecorder((req) => {
      inFlight += 1;
      most = Math.max(most, inFlight);
      setTimeout(() => (inFlight -= 1), 300);
      return { ...markerModel(req), holdMs: 300 };
    });
    const file = labelledFile();
    expect((await runSoc(['eval', file, '--copilot'], endpoint(recorder))).code).toBe(0);
    expect(most).toBe(2);
    most = 0;
    expect((await runSoc(['eval', file, '--copilot', '--copilot-concurrency', '3'], endpoint(recorder))).code).toBe(0);
    expect(most).toBe(3);
    await recorder.close();

    recorder = await startOpenAiRecorder(() => ({ status: 401, json: { error: { message: `Incorrect API key provided: ${API_KEY}`, type: 'invalid_request_error', code: 'invalid_api_key' } } }));
    for (const args of [['--json'], []]) {
      const run = await runSoc(['eval', file, '--copilot', ...args], endpoint(recorder));
      expect(run.code).toBe(0);
      expect(run.stdout + run.stderr).not.toContain(API_KEY);
      if (args.length > 0) expect((JSON.parse(run.stdout) as { copilot: unknown }).copilot).toMatchObject({ answered: 0, noVerdict: { unauthorized: 8 }, calls: 8, coverage: 0 });
    }
  }, 90_000);

  it('exits 2 naming the variables when no endpoint is configured, and on copilot options without --copilot', async () => {
    const file = labelledFile();
    const none = await runSoc(['eval', file, '--copilot'], { LLM_PROVIDER: 'none' });
    expect(none.code).toBe(2);
    for (const name of ['LLM_PROVIDER', 'OPENAI_BASE_URL', 'LLM_MODEL', 'OPENAI_API_KEY', 'AZURE_OPENAI_ENDPOINT', 'AZURE_OPENAI_DEPLOYMENT']) expect(none.stderr).toContain(name);
    const half = await runSoc(['eval', file, '--copilot'], { LLM_PROVIDER: 'openai', OPENAI_API_KEY: API_KEY });
    expect(half.code).toBe(2);
    expect(half.stderr).toContain('OPENAI_BASE_URL');
    expect(half.stderr).not.toContain(API_KEY);
    expect((await runSoc(['eval', file, '--copilot-limit', '3'])).code).toBe(2);
    expect((await runSoc(['eval', file, '--copilot', '--copilot-concurrency', '0'], { LLM_PROVIDER: 'none' })).code).toBe(2);
  }, 60_000);

  it('asks the copilot in both modes of labelled source payloads, with each mode’s history', async () => {
    recorder = await startOpenAiRecorder(markerModel);
    const dir = mkdtempSync(join(tmpdir(), 'soc-eval-copilot-'));
    const file = join(dir, 'payloads.jsonl');
    writeFileSync(
      file,
      CASES.map(([marker, label], i) => {
        const { alert, at } = JSON.parse(alertLine(marker, label, i)) as { alert: { title: string; severity: string; detectedAt: string; rule: { id: string } }; at: string };
        const payload = { id: `v${i}`, title: alert.title, severity: alert.severity, detectedAt: alert.detectedAt, rule: { id: alert.rule.id }, entities: [{ type: 'host', value: `ws-${i}`, hostname: `ws-${i}` }] };
        return JSON.stringify({ source: 'generic', payload, label, at });
      }).join('\n') + '\n',
    );
    const run = await runSoc(['eval', file, '--json', '--copilot'], endpoint(recorder));
    expect(run).toMatchObject({ code: 0, stderr: '' });
    const report = JSON.parse(run.stdout) as {
      zeroShot: { overall: { alerts: number } };
      copilot: Record<'zeroShot' | 'online', { overall: { alerts: number; verdicts: number; macroF1: number; escalation: { fpr: number } }; usage: { calls: number; noVerdict: Record<string, number> } }>;
    };
    expect(report.zeroShot.overall.alerts).toBe(8);
    expect(recorder.requests).toHaveLength(16);
    for (const mode of ['zeroShot', 'online'] as const) {
      expect(report.copilot[mode].usage).toMatchObject({ calls: 8, noVerdict: { 'bad-output': 2 } });
      // The scripted answers do not depend on history, so both modes score as the labelled replay does.
      expect(report.copilot[mode].overall.macroF1).toBeCloseTo((4 / 7 + 2 / 3 + 1 / 2) / 3, 10);
      expect(report.copilot[mode].overall.escalation.fpr).toBe(0.5);
    }
    const prompts = recorder.requests.map((r) => r.body.messages?.[1]?.content ?? '').filter((p) => p.includes('number 7'));
    expect(prompts).toHaveLength(2);
    // Zero-shot: sightings but no disposition; online: the seven labels before it fed back.
    expect(prompts.some((p) => /dispositioned 0 earlier alert/.test(p))).toBe(true);
    expect(prompts.some((p) => /dispositioned 7 earlier alert/.test(p))).toBe(true);
    expect(run.stdout).not.toContain(API_KEY);
  }, 60_000);
});
