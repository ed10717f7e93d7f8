import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ANALYST_TOKEN, SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, eventually, startSystem } from './support.ts';

/**
 * Issue 15, point 6: LLM calls, tokens and cost per verdict are counted once per model call. Two alerts of one case
 * group make one call (the second reuses the advice, `cached`): the KPIs say one call and its tokens over two
 * verdicts, and measure the analysts' dispositions against the copilot's verdict.
 */
describe('KPIs count each LLM call once', () => {
  let model: Server;
  let calls = 0;
  let system: Awaited<ReturnType<typeof startSystem>>;
  let sender: ReturnType<typeof client>;
  let viewer: ReturnType<typeof client>;
  let analyst: ReturnType<typeof client>;

  beforeAll(async () => {
    // A real OpenAI-compatible endpoint on loopback that answers every chat completion with the same advice.
    model = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        // The prompt names the case's entities E1…: a verdict needs evidence the case has.
        const content = JSON.stringify({ summary: 'Looks like an admin script', verdict: { class: 'false-positive', confidence: 0.7 }, evidence: ['E1'], investigationSteps: [], recommendedActions: [], huntQueries: [] });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `c-${calls}`, object: 'chat.completion', created: 0, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 900, completion_tokens: 60, total_tokens: 960 } }));
      });
    });
    await new Promise<void>((r) => model.listen(0, '127.0.0.1', r));
    system = await startSystem({ LLM_PROVIDER: 'openai', OPENAI_BASE_URL: `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`, LLM_MODEL: 'fake-model' });
    sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
    analyst = client(system.url, ANALYST_TOKEN);
  });
  afterAll(async () => {
    await system?.close();
    await new Promise((r) => model?.close(r));
  });

  const alert = (id: string) => ({
    id,
    title: 'Suspicious PowerShell download cradle',
    severity: 'medium',
    rule: { id: 'PS-CRADLE-KPI' },
    description: 'PowerShell downloaded and ran a script.',
    entities: [{ type: 'host', value: 'ws31.contoso.com' }, { type: 'user', value: 'CONTOSO\\kpi' }],
  });

  it('one call over two verdicts; dispositions measured against the copilot verdict', async () => {
    const first = await decidedCase(viewer, (await sender('/api/v1/alerts/generic', { body: alert('kpi-llm-1') })).body.alertId as string);
    const second = await decidedCase(viewer, (await sender('/api/v1/alerts/generic', { body: alert('kpi-llm-2') })).body.alertId as string);
    expect(calls).toBe(1);
    expect(second.triage.copilot).toMatchObject({ status: 'cached' });

    const kpis = await viewer('/api/v1/kpis');
    expect(kpis.status).toBe(200);
    const tenants = Object.values(kpis.body.tenants);
    expect(tenants).toHaveLength(1);
    // eslint-disable-next-line @typescript-eslint/no-explicit-any
    const k = tenants[0] as any;
    expect(k.llm).toMatchObject({ verdicts: 2, calls: 1, failed: 0, tokens: 960, callsPerVerdict: 0.5, tokensPerVerdict: 480, cost: null, costPerVerdict: null });

    expect((await analyst(`/api/v1/alerts/${first.alertId as string}/disposition`, { body: { disposition: 'true-positive' } })).status).toBe(202);
    expect((await analyst(`/api/v1/alerts/${second.alertId as string}/disposition`, { body: { disposition: 'false-positive' } })).status).toBe(202);
    const after = await eventually(async () => {
      // eslint-disable-next-line @typescript-eslint/no-explicit-any
      const t = Object.values((await viewer('/api/v1/kpis')).body.tenants)[0] as any;
      return t.copilotOverrideRate.denominator === 2 ? t : undefined;
    }, 10_000, 'both dispositions in the KPIs');
    expect(after.copilotOverrideRate).toMatchObject({ numerator: 1, denominator: 2, value: 0.5 });
    expect(after.alertsPerAnalystPerShift).toMatchObject({ analysts: 1, numerator: 2 });
  }, 30_000);
});
