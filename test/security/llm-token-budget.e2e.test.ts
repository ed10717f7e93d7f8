import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, startSystem } from './support.ts';

const BUDGET = 5000;

/**
 * Issue 11, point 4: the hourly LLM token budget was checked, not reserved, so a burst of alerts of distinct case
 * groups all passed the check at once. A slow model on loopback keeps every call in flight together.
 */
describe('the hourly LLM token budget holds under a burst', () => {
  let model: Server;
  let calls = 0;
  let system: Awaited<ReturnType<typeof startSystem>>;

  beforeAll(async () => {
    model = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        const content = JSON.stringify({ summary: 'noted', verdict: { class: 'needs-more-information', confidence: 0.2 }, evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [] });
        setTimeout(() => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(JSON.stringify({ id: `c-${calls}`, object: 'chat.completion', created: 0, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 1500, completion_tokens: 100, total_tokens: 1600 } }));
        }, 500);
      });
    });
    await new Promise<void>((r) => model.listen(0, '127.0.0.1', r));
    system = await startSystem({ LLM_PROVIDER: 'openai', OPENAI_BASE_URL: `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`, LLM_MODEL: 'fake-model', LLM_TOKENS_PER_HOUR: String(BUDGET) });
  });
  afterAll(async () => {
    await system?.close();
    await new Promise((r) => model?.close(r));
  });

  it('lets only the calls that fit run when a burst together exceeds it', async () => {
    const sender = client(system.url, SENDER_TOKEN);
    const viewer = client(system.url, VIEWER_TOKEN);
    // Eight alerts of eight case groups (one rule each), sent as one batch so their calls overlap.
    const body = Array.from({ length: 8 }, (_, i) => ({ id: `burst-${i}`, title: `Burst rule ${i}`, severity: 'high', rule: { id: `BURST-${i}` }, entities: [{ type: 'host', value: `ws${i}.contoso.com` }] }));
    const posted = await sender('/api/v1/alerts/generic', { body });
    expect(posted.status).toBe(202);
    const ids = posted.body.items as { alertId: string }[];
    expect(ids).toHaveLength(8);
    const notes = await Promise.all(ids.map(async (a) => (await decidedCase(viewer, a.alertId, 30_000)).triage.copilot as { status: string; reason?: string }));
    const advised = notes.filter((n) => n.status === 'advised').length;
    // Each call reserves at least its 1,200-token output cap plus its prompt: at most three fit in 5,000.
    expect(calls).toBe(advised);
    expect(advised).toBeGreaterThanOrEqual(1);
    expect(advised).toBeLessThanOrEqual(3);
    expect(notes.filter((n) => n.status === 'skipped')).toHaveLength(8 - advised);
    expect(notes.find((n) => n.status === 'skipped')?.reason).toMatch(/budget/);
  }, 60_000);
});
