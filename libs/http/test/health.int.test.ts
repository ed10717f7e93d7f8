import express from 'express';
import { afterEach, describe, expect, it } from 'vitest';
import { createLogger, createMetrics } from '@soc/observability';
import { healthRoutes, listen, type HttpServer, type MetricsAuth, type Readiness } from '../src/index.ts';
import { memoryLog } from '@soc/observability/testing';

const SCRAPE_TOKEN = 'prometheus-scrape-token-42';
let server: HttpServer | undefined;
afterEach(() => server?.close());

async function start(
  ready: () => Promise<Readiness>,
  metricsAuth: MetricsAuth = { tokens: [{ name: 'prometheus', token: SCRAPE_TOKEN }] },
) {
  const log = memoryLog();
  const logger = createLogger({ service: 'triage', destination: log.destination });
  const metrics = createMetrics({
    service: 'triage',
    queueDepth: async () => [{ subscription: 'triage', active: 3, deadLettered: 0, scheduled: 0 }],
  });
  const app = express();
  app.use(healthRoutes({ ready, metrics: metrics.registry, metricsAuth, logger, readyTimeoutMs: 50 }));
  server = await listen(app, 0, '127.0.0.1');
  const url = server.url;
  return { log, get: (path: string, headers: Record<string, string> = {}) => fetch(`${url}${path}`, { headers }) };
}

const readyOk = async (): Promise<Readiness> => ({ ok: true, checks: { bus: { ok: true }, store: { ok: true } } });
const readyFailing = async (): Promise<Readiness> => ({
  ok: false,
  checks: { bus: { ok: true }, store: { ok: false, detail: 'cosmos at https://db:cosmos-key@x refused' } },
});

describe('healthRoutes', () => {
  it('GET /healthz answers 200 and reveals nothing', async () => {
    const { get } = await start(readyFailing);
    const response = await get('/healthz');
    expect(response.status).toBe(200);
    expect(response.headers.get('cache-control')).toBe('no-store');
    expect(await response.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz answers 200 with check names when ready', async () => {
    const { get } = await start(readyOk);
    const response = await get('/readyz');
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ready', checks: { bus: 'ok', store: 'ok' } });
  });

  it('GET /readyz answers 503 without details, and logs the details once per change', async () => {
    const { get, log } = await start(readyFailing);
    const response = await get('/readyz');
    expect(response.status).toBe(503);
    const text = await response.text();
    expect(JSON.parse(text)).toEqual({ status: 'not-ready', checks: { bus: 'ok', store: 'failing' } });
    expect(text).not.toContain('cosmos');
    await get('/readyz');
    const warnings = log.lines().filter((l) => l.msg === 'not ready');
    expect(warnings).toHaveLength(1);
    expect(warnings[0]?.failing).toEqual({ store: 'cosmos at https://[REDACTED]@x refused' });
  });

  it.each([
    ['throws', () => Promise.reject(new Error('boom'))],
    ['hangs', () => new Promise<Readiness>(() => undefined)],
  ])('GET /readyz answers 503 when the probe %s', async (_case, ready) => {
    const { get } = await start(ready);
    const response = await get('/readyz');
    expect(response.status).toBe(503);
    expect(await response.json()).toEqual({ status: 'not-ready', checks: { readiness: 'failing' } });
  });

  it('GET /metrics requires its own token', async () => {
    const { get, log } = await start(readyOk);
    const anonymous = await get('/metrics');
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toBe('Bearer realm="metrics"');
    const wrong = await get('/metrics', { authorization: 'Bearer some-other-token-1234567' });
    expect(wrong.status).toBe(401);
    const scrape = await get('/metrics', { authorization: `Bearer ${SCRAPE_TOKEN}` });
    expect(scrape.status).toBe(200);
    expect(scrape.headers.get('content-type')).toContain('text/plain');
    const text = await scrape.text();
    expect(text).toContain('soc_queue_depth{subscription="triage",state="active"} 3');
    expect(text).toContain('process_cpu_user_seconds_total');
    expect(log.text()).not.toContain(SCRAPE_TOKEN);
  });

  it('GET /metrics is open only when configured so', async () => {
    const { get } = await start(readyOk, 'open');
    expect((await get('/metrics')).status).toBe(200);
  });
});
