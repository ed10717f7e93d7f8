import { readFileSync, readdirSync } from 'node:fs';
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER_TOKEN, VIEWER_TOKEN, client, decidedCase, eventually, startSystem } from './support.ts';

/**
 * Issue 11, point 4: one model call per case group stays, but the advice a later alert of the group reuses was
 * written for the first alert. The case and the e-mail must show it as the group's, naming that alert.
 */
describe('cached copilot advice is shown as the case group\'s', () => {
  let model: Server;
  let calls = 0;
  let system: Awaited<ReturnType<typeof startSystem>>;
  let sender: ReturnType<typeof client>;
  let viewer: ReturnType<typeof client>;

  beforeAll(async () => {
    // A real OpenAI-compatible endpoint on loopback that answers every chat completion with the same advice.
    model = createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        calls++;
        const content = JSON.stringify({ summary: 'PowerShell cradle on the first host; isolate it', verdict: { class: 'needs-more-information', confidence: 0.3 }, evidence: [], investigationSteps: ['Review the first host'], recommendedActions: [], huntQueries: [] });
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ id: `c-${calls}`, object: 'chat.completion', created: 0, model: 'fake-model', choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }], usage: { prompt_tokens: 900, completion_tokens: 60, total_tokens: 960 } }));
      });
    });
    await new Promise<void>((r) => model.listen(0, '127.0.0.1', r));
    system = await startSystem({ LLM_PROVIDER: 'openai', OPENAI_BASE_URL: `http://127.0.0.1:${(model.address() as AddressInfo).port}/v1`, LLM_MODEL: 'fake-model' });
    sender = client(system.url, SENDER_TOKEN);
    viewer = client(system.url, VIEWER_TOKEN);
  });
  afterAll(async () => {
    await system?.close();
    await new Promise((r) => model?.close(r));
  });

  const alert = (id: string) => ({
    id,
    title: 'Suspicious PowerShell download cradle',
    severity: 'medium',
    rule: { id: 'PS-CRADLE-1' },
    description: 'PowerShell downloaded and ran a script.',
    entities: [{ type: 'host', value: 'ws21.contoso.com' }, { type: 'user', value: 'CONTOSO\\jdoe' }],
  });

  it('marks the second alert\'s advice as the group\'s, written for the first, in the case and the e-mail', async () => {
    const outbox = join(system.dataDir, 'outbox');
    // An e-mail is the alert's when it links to its case (the second one also names the first, whose advice it quotes).
    // Mail is per case group: the group's first e-mail describes the alert notification handled first, so the second
    // alert is sent once the first one's e-mail is out; the second's own e-mail is its escalation (a true positive).
    const mailOf = (alertId: string) =>
      eventually(
        async () => readdirSync(outbox).filter((f) => f.endsWith('.eml')).map((f) => readFileSync(join(outbox, f), 'utf8').replace(/=\r?\n/g, '')).find((m) => m.includes(`/#/case/${alertId}`)),
        10_000,
        `e-mail of ${alertId}`,
      );
    const first = await sender('/api/v1/alerts/generic', { body: alert('grp-1') });
    const firstCase = await decidedCase(viewer, first.body.alertId as string);
    const firstMail = await mailOf(firstCase.alertId as string);
    const second = await sender('/api/v1/alerts/generic', { body: alert('grp-2') });
    const secondCase = await decidedCase(viewer, second.body.alertId as string);

    expect(calls).toBe(1);
    expect(firstCase.triage.copilot).toMatchObject({ status: 'advised', scope: 'alert', writtenFor: firstCase.alertId });
    expect(secondCase.triage.copilot).toMatchObject({ status: 'cached', scope: 'case-group', writtenFor: firstCase.alertId, fingerprint: firstCase.triage.copilot.fingerprint });

    const secondMail = await mailOf(secondCase.alertId as string);
    expect(secondMail).toContain("Copilot advice for this alert's case group");
    expect(secondMail).toContain(`written for alert ${firstCase.alertId as string}`);
    expect(firstMail).toContain('Copilot advice (LLM, advisory)');
    expect(firstMail).not.toContain("Copilot advice for this alert's case group");
  }, 30_000);
});
