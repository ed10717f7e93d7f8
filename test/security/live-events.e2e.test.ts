import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER_TOKEN, VIEWER_TOKEN, client, eventually, startSystem } from './support.ts';

/** Reads a text/event-stream response as it arrives. */
function reader(res: Response) {
  let text = '';
  const decoder = new TextDecoder();
  const body = res.body!.getReader();
  const done = (async () => {
    for (;;) {
      const { value, done: end } = await body.read().catch(() => ({ value: undefined, done: true }));
      if (end) return;
      text += decoder.decode(value, { stream: true });
    }
  })();
  return { text: () => text, done, cancel: () => body.cancel().catch(() => undefined) };
}

describe('live updates (GET /api/v1/events) in the running system', () => {
  let system: Awaited<ReturnType<typeof startSystem>>;
  let stopped = false;
  beforeAll(async () => {
    system = await startSystem({ SOC_SSE_POLL_MS: '250' });
  });
  afterAll(async () => {
    if (!stopped) await system?.close();
  });

  it('asks for an API token (401 without one, and for a sender credential)', async () => {
    expect((await fetch(`${system.url}/api/v1/events`)).status).toBe(401);
    expect((await fetch(`${system.url}/api/v1/events`, { headers: { authorization: `Bearer ${SENDER_TOKEN}` } })).status).toBe(401);
  });

  it('tells a viewer about a new case by id, and ends its stream when the system stops, without holding the shutdown', async () => {
    const res = await fetch(`${system.url}/api/v1/events`, { headers: { authorization: `Bearer ${VIEWER_TOKEN}` } });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const stream = reader(res);
    await eventually(async () => (stream.text().includes('event: ready') ? true : undefined), 5_000, 'the ready event');
    await new Promise((r) => setTimeout(r, 600)); // the feed has primed
    const sent = await client(system.url, SENDER_TOKEN)('/api/v1/alerts/generic', { body: { id: 'live-e2e', title: 'Live update probe', severity: 'high', entities: [{ type: 'host', value: 'live.contoso.com' }] } });
    const alertId = sent.body.alertId as string;
    await eventually(async () => (stream.text().includes(`"alertId":"${alertId}"`) ? true : undefined), 10_000, 'the case-changed hint');
    expect(stream.text()).toContain('event: case-changed');
    expect(stream.text()).not.toContain('Live update probe');
    const started = Date.now();
    stopped = true;
    await system.close();
    await stream.done;
    expect(Date.now() - started).toBeLessThan(5_000); // the HTTP server's grace is 10 s: the stream was ended, not cut
  });
});
