import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SENDER_TOKEN, client, startSystem } from './support.ts';

const FIXTURES = new URL('../fixtures/', import.meta.url);
const fixture = (path: string): unknown => JSON.parse(readFileSync(new URL(path, FIXTURES), 'utf8'));
const DEPTH = 10_000;
const deepObject = `${'{"a":'.repeat(DEPTH)}1${'}'.repeat(DEPTH)}`;
const deepArray = `${'['.repeat(DEPTH)}1${']'.repeat(DEPTH)}`;

/** The body as JSON with a 10,000-level value added to every object of it (JSON.stringify itself cannot write one). */
function withDeepValues(body: unknown, deep: string): string {
  const mark = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(mark);
    if (typeof v === 'object' && v !== null) return { ...Object.fromEntries(Object.entries(v).map(([k, x]) => [k, mark(x)])), x_deep: '__DEEP__' };
    return v;
  };
  return JSON.stringify(mark(body)).replaceAll('"__DEEP__"', deep);
}

// A real alert of each source (the generic one from the shared fixtures) that a parser would accept.
const REAL: Record<string, unknown> = {
  generic: JSON.parse(readFileSync(new URL('generic-alerts.jsonl', FIXTURES), 'utf8').split('\n')[0]!),
  sentinel: fixture('alerts/sentinel/incident-trigger.json'),
  defender: fixture('alerts/defender/graph_alert_v2_get_example.json'),
  splunk: fixture('alerts/splunk/webhook-alert-action-example.json'),
  wazuh: fixture('alerts/wazuh/sysmon-process-create.json'),
  cef: fixture('alerts/cef/sentinel-sample-data/Claroty.json'),
};

// Point 4 of issue 11: a Splunk webhook body with a deeply nested `result` answered 500 (a recursive walk of the
// row overflowed the stack). Every source's parser, given a body nested 10,000 levels deep anywhere, answers 400
// with a reason, and the process keeps serving.
describe('bodies nested 10,000 levels deep are refused with 400 by every source, never 500', () => {
  let sys: Awaited<ReturnType<typeof startSystem>>;
  let send: ReturnType<typeof client>;

  beforeAll(async () => {
    sys = await startSystem({ INGEST_MAX_BODY_BYTES: String(20 * 1024 * 1024) });
    send = client(sys.url, SENDER_TOKEN);
  });
  afterAll(async () => sys.close());

  for (const [source, real] of Object.entries(REAL)) {
    it(`${source}: a deep object, a deep array, and a real alert with a deep value in every object`, async () => {
      const answers = [];
      for (const body of [deepObject, deepArray, withDeepValues(real, deepObject), withDeepValues(real, deepArray)]) {
        const res = await send(`/api/v1/alerts/${source}`, { body });
        answers.push({ status: res.status, nested: /nested/i.test(JSON.stringify(res.body)) });
      }
      expect(answers).toEqual(Array.from({ length: 4 }, () => ({ status: 400, nested: true })));
      expect((await fetch(`${sys.url}/healthz`)).status).toBe(200);
    });
  }

  it('cef: a text body holding deeply nested JSON', async () => {
    const res = await send('/api/v1/alerts/cef', { body: deepObject, headers: { 'content-type': 'text/plain' } });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(/nested/i);
  });
});
