import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsumerSpan } from '../src/index.ts';
import { startTracing } from '../src/otel.ts';
import { INCOMING_TRACEPARENT, INCOMING_TRACE_ID, fixtureEvent } from './fixtures.ts';

// A real HTTP server on loopback stands in for the OTLP collector and keeps every request it receives.
const received: { url: string; contentType: string; body: string }[] = [];
const collector = createServer((req: IncomingMessage, res) => {
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', () => {
    received.push({
      url: req.url ?? '',
      contentType: req.headers['content-type'] ?? '',
      body: Buffer.concat(chunks).toString('utf8'),
    });
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
});
let endpoint = '';

beforeAll(async () => {
  await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
  endpoint = `http://127.0.0.1:${(collector.address() as AddressInfo).port}`;
});
afterAll(() => new Promise<void>((resolve) => collector.close(() => resolve())));

describe('startTracing', () => {
  it('stays off (and loads nothing) without an endpoint', async () => {
    expect(await startTracing({ service: 'triage', endpoint: undefined })).toBeUndefined();
    expect(await startTracing({ service: 'triage', endpoint: '' })).toBeUndefined();
  });

  it('exports consumer spans over OTLP/HTTP with the service name', async () => {
    const tracing = await startTracing({ service: 'triage', endpoint: `${endpoint}/`, exportImmediately: true });
    expect(tracing).toBeDefined();
    await startConsumerSpan('triage', { ...fixtureEvent(), traceparent: INCOMING_TRACEPARENT }, async () => 'ok');
    await tracing?.shutdown();
    const request = received.find((r) => r.url === '/v1/traces');
    expect(request?.contentType).toContain('application/json');
    expect(request?.body).toContain('"process triage"');
    expect(request?.body).toContain('"triage"');
    expect(request?.body).toContain(INCOMING_TRACE_ID);
  });
});
