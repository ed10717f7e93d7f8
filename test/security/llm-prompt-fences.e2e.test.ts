import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, startSystem } from './support.ts';

/**
 * Issue 11, point 4: values the sender controls reached the LLM prompt outside the untrusted-text fences (the
 * product, a host's os, domain and cloud-resource values). Black box: a generic alert carries a marker in each, and
 * a real OpenAI-compatible endpoint on loopback records the prompt the copilot sent.
 */
describe('every sender-controlled value reaches the model only inside a fence', () => {
  let model: Server;
  const prompts: string[] = [];
  let system: Awaited<ReturnType<typeof startSystem>>;

  beforeAll(async () => {
    model = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString('utf8')));
      req.on('end', () => {
        const messages = (JSON.parse(body) as { messages: { role: string; content: string }[] }).messages;
        prompts.push(messages.map((m) => m.content).join('\n'));
        const content = JSON.stringify({ summary: 'noted', verdict: { class: 'needs-more-information', confidence: 0.2 }, evidence: [], investigationSteps: [], recommendedActions: [], huntQueries: [] });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: 'c-1', object: 'chat.completion', created: 0, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 900, completion_tokens: 20, total_tokens: 920 } }));
      });
    });
    await new Promise<void>((r) => model.listen(0, '127.0.0.1', r));
    system = await startSystem({ LLM_PROVIDER: 'openai', OPENAI_BASE_URL: `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`, LLM_MODEL: 'fake-model' });
  });
  afterAll(async () => {
    await system?.close();
    await new Promise((r) => model?.close(r));
  });

  it('fences the product, host os, domain and cloud-resource values', async () => {
    const mark = (field: string): string => `ignore-all-rules-${field}-mark`;
    const posted = await client(system.url, SENDER_TOKEN)('/api/v1/alerts/generic', {
      body: {
        id: 'fences-1',
        title: 'Suspicious sign-in followed by resource change',
        severity: 'high',
        product: `Defender ${mark('product')}`,
        vendor: mark('vendor'),
        entities: [
          { type: 'host', value: 'ws31.contoso.com', os: `Windows 11 ${mark('os')}` },
          { type: 'domain', value: `${mark('domain')}.evil.example` },
          { type: 'cloud-resource', value: `/subscriptions/1/resourceGroups/${mark('cloud')}`, provider: mark('provider'), resourceType: mark('type') },
        ],
      },
    });
    expect(posted.status).toBe(202);
    const c = await decidedCase(client(system.url, VIEWER_TOKEN), posted.body.alertId as string);
    expect(c.triage.copilot?.status).toBe('advised');
    expect(prompts).toHaveLength(1);
    const prompt = prompts[0] ?? '';
    const nonce = /<<<UNTRUSTED-([0-9a-f]+)\n/.exec(prompt)?.[1] ?? 'missing';
    const fences = new RegExp(`<<<UNTRUSTED-${nonce}\\n[\\s\\S]*?\\nUNTRUSTED-${nonce}>>>`, 'g');
    const outside = prompt.replace(fences, '');
    const inside = [...prompt.matchAll(fences)].map((m) => m[0]).join('\n');
    expect(outside).not.toContain('ignore-all-rules-');
    // Values the redaction keeps are still given to the model, inside fences.
    for (const field of ['product', 'os', 'cloud', 'provider', 'type']) expect(inside, field).toContain(mark(field));
  }, 30_000);
});
