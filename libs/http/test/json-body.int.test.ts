import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { jsonBody } from '../src/index.ts';
import { startTestServer, type TestServer } from './test-app.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.http.close());

const post = (path: string, body: string, contentType?: string) =>
  fetch(t.url(path), {
    method: 'POST',
    body,
    headers: contentType === undefined ? {} : { 'content-type': contentType },
  });

describe('jsonBody', () => {
  it('parses JSON of an accepted type', async () => {
    const response = await post(
      '/alerts',
      JSON.stringify({ title: 'Suspicious PowerShell', severity: 'high' }),
      'application/json',
    );
    expect(response.status).toBe(201);
    expect(await response.json()).toEqual({ received: 'Suspicious PowerShell' });
  });

  it('accepts every configured type', async () => {
    const response = await post(
      '/events',
      JSON.stringify({ type: 'soc.alert.received.v1' }),
      'application/cloudevents+json',
    );
    expect(await response.json()).toEqual({ type: 'soc.alert.received.v1' });
  });

  it('answers a wrong content type with 415 naming what is accepted', async () => {
    const response = await post('/events', 'title=x', 'application/x-www-form-urlencoded');
    expect(response.status).toBe(415);
    expect(response.headers.get('accept-post')).toBe('application/cloudevents+json, application/json');
    expect(await response.json()).toMatchObject({
      type: 'urn:soc:problem:unsupported-media-type',
      status: 415,
      detail: 'The request body must be one of: application/cloudevents+json, application/json.',
      accepted: ['application/cloudevents+json', 'application/json'],
    });
  });

  it('answers a body without content type with 415', async () => {
    const response = await fetch(t.url('/alerts'), { method: 'POST', body: new Uint8Array([123, 125]) });
    expect(response.status).toBe(415);
  });

  it('answers a body over the limit with 413 naming the limit', async () => {
    const response = await post(
      '/alerts',
      JSON.stringify({ title: 'x'.repeat(2000), severity: 'low' }),
      'application/json',
    );
    expect(response.status).toBe(413);
    expect(await response.json()).toMatchObject({
      type: 'urn:soc:problem:payload-too-large',
      detail: 'The request body exceeds the limit of 1024 bytes.',
      limitBytes: 1024,
    });
  });

  it('enforces the limit on chunked bodies without Content-Length too', async () => {
    const status = await new Promise<number>((resolve, reject) => {
      const req = request(t.url('/alerts'), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'transfer-encoding': 'chunked' },
      });
      req.on('response', (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on('error', reject);
      for (let i = 0; i < 20; i++) req.write('x'.repeat(100));
      req.end();
    });
    expect(status).toBe(413);
  });

  it.each([
    ['{"title": "x", "token": sk-live-secret}', 'The request body is not valid JSON: unexpected token.'],
    [
      '{"title": "sk-live-secret"',
      "The request body is not valid JSON: expected ',' or '}' after property value (at line 1, column 27).",
    ],
    ['{"sk-live-secret":', 'The request body is not valid JSON: it ends unexpectedly.'],
    [
      '{\n"sk-live-secret" 1}',
      "The request body is not valid JSON: expected ':' after property name (at line 2, column 18).",
    ],
  ])('answers malformed JSON with 400 and a reason, never the body (%#)', async (text, detail) => {
    const response = await post('/alerts', text, 'application/json');
    expect(response.status).toBe(400);
    const body = (await response.json()) as { detail: string };
    expect(body.detail).toBe(detail);
    expect(JSON.stringify(body)).not.toContain('sk-live-secret');
  });

  it('rejects a non-positive limit at construction', () => {
    expect(() => jsonBody({ limitBytes: 0 })).toThrow(/limitBytes/);
  });
});
