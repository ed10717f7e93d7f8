import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REQUEST_ID_HEADER } from '../src/index.ts';
import { startTestServer, type TestServer } from './test-app.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.http.close());

const lastLine = () =>
  t.log
    .lines()
    .filter((l) => l.msg === 'request finished')
    .at(-1);

describe('requestLogging', () => {
  it('generates a request id, echoes it and logs one line per request without the query', async () => {
    const response = await fetch(t.url('/items/42?sig=abc&token=query-secret-1'));
    const id = response.headers.get(REQUEST_ID_HEADER);
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect(lastLine()).toMatchObject({
      level: 'info',
      service: 'api',
      requestId: id,
      method: 'GET',
      path: '/items/42',
      route: '/items/:id',
      status: 200,
    });
    expect(typeof lastLine()?.durationMs).toBe('number');
    expect(t.log.text()).not.toContain('query-secret-1');
  });

  it('keeps a sane incoming request id', async () => {
    const response = await fetch(t.url('/items/1'), { headers: { [REQUEST_ID_HEADER]: 'gw-1234:abc.def' } });
    expect(response.headers.get(REQUEST_ID_HEADER)).toBe('gw-1234:abc.def');
    expect(lastLine()?.requestId).toBe('gw-1234:abc.def');
  });

  it.each([['with spaces and "quotes"'], ['x'.repeat(129)], ['{"level":"fatal"}']])(
    'replaces an unsafe incoming request id (%#)',
    async (incoming) => {
      const response = await fetch(t.url('/items/1'), { headers: { [REQUEST_ID_HEADER]: incoming } });
      expect(response.headers.get(REQUEST_ID_HEADER)).toMatch(/^[0-9a-f-]{36}$/);
    },
  );

  it('logs client errors at warn with the problem type, server errors at error', async () => {
    await fetch(t.url('/app-error/CONFLICT'));
    expect(lastLine()).toMatchObject({ level: 'warn', status: 409, problem: 'urn:soc:problem:conflict' });
    await fetch(t.url('/crash'));
    expect(lastLine()).toMatchObject({ level: 'error', status: 500 });
  });

  it('puts the request id on log lines of the error handler', async () => {
    const response = await fetch(t.url('/crash'));
    const id = response.headers.get(REQUEST_ID_HEADER);
    expect(t.log.lines().find((l) => l.msg === 'request failed' && l.requestId === id)).toBeDefined();
  });

  it('counts requests by route template and status', async () => {
    await fetch(t.url('/items/7'));
    await fetch(t.url('/nowhere'));
    const text = await t.metrics.registry.metrics();
    expect(text).toMatch(/soc_http_requests_total\{service="api",method="GET",route="\/items\/:id",status="200"\} \d+/);
    expect(text).toContain('soc_http_requests_total{service="api",method="GET",route="unmatched",status="404"} 1');
    expect(text).toContain('soc_http_request_duration_seconds_bucket');
  });
});
