import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '@soc/runtime';
import { PROBLEM_CONTENT_TYPE, STATUS_BY_CODE } from '../src/index.ts';
import { startTestServer, type TestServer } from './test-app.ts';

let t: TestServer;
beforeAll(async () => {
  t = await startTestServer();
});
afterAll(() => t.http.close());

const json = async (response: Response): Promise<Record<string, unknown>> =>
  (await response.json()) as Record<string, unknown>;

describe('error handler: AppError codes', () => {
  it.each([
    [ErrorCode.VALIDATION_FAILED, 400],
    [ErrorCode.UNAUTHORIZED, 401],
    [ErrorCode.FORBIDDEN, 403],
    [ErrorCode.NOT_FOUND, 404],
    [ErrorCode.CONFLICT, 409],
    [ErrorCode.PRECONDITION_FAILED, 412],
    [ErrorCode.PAYLOAD_TOO_LARGE, 413],
    [ErrorCode.UNSUPPORTED_MEDIA_TYPE, 415],
    [ErrorCode.POLICY_VIOLATION, 422],
    [ErrorCode.RATE_LIMITED, 429],
  ])('%s → %i with the message as detail, credentials scrubbed', async (code, status) => {
    const response = await fetch(t.url(`/app-error/${code}`));
    expect(response.status).toBe(status);
    expect(response.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    const body = await json(response);
    expect(body).toMatchObject({
      type: `urn:soc:problem:${code.toLowerCase().replaceAll('_', '-')}`,
      status,
      detail: `app error ${code} at https://[REDACTED]@db.internal`,
    });
    expect(typeof body.title).toBe('string');
    expect(JSON.stringify(body)).not.toContain('internal-pass');
    expect(body).not.toHaveProperty('stack');
  });

  it('429 carries Retry-After from the error details', async () => {
    const response = await fetch(t.url(`/app-error/${ErrorCode.RATE_LIMITED}`));
    expect(response.headers.get('retry-after')).toBe('7');
  });

  it('401 carries WWW-Authenticate', async () => {
    const response = await fetch(t.url(`/app-error/${ErrorCode.UNAUTHORIZED}`));
    expect(response.headers.get('www-authenticate')).toBe('Bearer');
  });

  it.each([
    [ErrorCode.DEPENDENCY_UNAVAILABLE, 503],
    [ErrorCode.TIMEOUT, 504],
    [ErrorCode.INTERNAL, 500],
    [ErrorCode.CONFIGURATION_INVALID, 500],
  ])('%s → %i with a generic detail and a logged instance id', async (code, status) => {
    const response = await fetch(t.url(`/app-error/${code}`));
    expect(response.status).toBe(status);
    const body = await json(response);
    expect(JSON.stringify(body)).not.toContain('app error');
    expect(body.instance).toMatch(/^urn:uuid:[0-9a-f-]{36}$/);
    if (status === 503) expect(response.headers.get('retry-after')).toBe('5');
    const logged = t.log.lines().find((l) => l.instance === body.instance);
    expect(logged).toMatchObject({ level: 'error', msg: 'request failed', status });
    expect(t.log.text()).not.toContain('internal-pass');
  });

  it('maps every error code', () => {
    expect(Object.keys(STATUS_BY_CODE).sort()).toEqual(Object.values(ErrorCode).sort());
  });
});

describe('error handler: unknown errors', () => {
  it.each(['/crash', '/crash-async'])('%s → 500 without stack or message, logged with the instance', async (path) => {
    const response = await fetch(t.url(path));
    expect(response.status).toBe(500);
    const text = await response.text();
    expect(text).not.toContain('cosmos');
    expect(text).not.toContain('a string');
    expect(text).not.toContain(' at ');
    const body = JSON.parse(text) as Record<string, unknown>;
    expect(body).toMatchObject({ type: 'urn:soc:problem:internal', title: 'Internal server error', status: 500 });
    const logged = t.log.lines().find((l) => l.instance === body.instance);
    expect(logged?.err).toBeDefined();
    expect(t.log.text()).not.toContain('c2VjcmV0a2V5');
  });
});

describe('error handler: zod errors', () => {
  it('answers 400 with field-level errors', async () => {
    const response = await fetch(t.url('/alerts'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ title: '', severity: 'urgent', observables: [{ type: 'ip' }] }),
    });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body).toMatchObject({ type: 'urn:soc:problem:validation-failed', title: 'Invalid request', status: 400 });
    const errors = body.errors as { path: string; message: string }[];
    expect(errors.map((e) => e.path).sort()).toEqual(['observables.0.value', 'severity', 'title']);
    for (const e of errors) expect(e.message.length).toBeGreaterThan(0);
  });

  it('uses the zod cause of a VALIDATION_FAILED AppError for field errors', async () => {
    const response = await fetch(t.url('/wrapped'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ severity: 'high' }),
    });
    const body = await json(response);
    expect(response.status).toBe(400);
    expect(body.detail).toBe('The alert is invalid.');
    expect(body.errors).toEqual([{ path: 'title', message: expect.any(String) as string }]);
  });

  it('reports a missing body at the root', async () => {
    const response = await fetch(t.url('/alerts'), { method: 'POST' });
    expect(response.status).toBe(400);
    expect((await json(response)).errors).toEqual([{ path: '(root)', message: expect.any(String) as string }]);
  });
});

describe('error handler: body-parser errors from a plain express.json()', () => {
  it('invalid JSON → 400 with a clear reason that does not quote the body', async () => {
    const response = await fetch(t.url('/raw-json'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{"password": hunter2}',
    });
    expect(response.status).toBe(400);
    const body = await json(response);
    expect(body.detail).toMatch(/^The request body is not valid JSON/);
    expect(JSON.stringify(body)).not.toContain('hunter2');
  });

  it('too large → 413 naming the limit', async () => {
    const response = await fetch(t.url('/raw-json'), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ padding: 'x'.repeat(100) }),
    });
    expect(response.status).toBe(413);
    expect(await json(response)).toMatchObject({
      detail: 'The request body exceeds the limit of 32 bytes.',
      limitBytes: 32,
    });
  });

  it('unsupported charset → 415', async () => {
    const response = await fetch(t.url('/raw-json'), {
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=koi8-r' },
      body: '{}',
    });
    expect(response.status).toBe(415);
    expect((await json(response)).detail).toBe('The charset koi8-r is not supported; send UTF-8.');
  });
});

describe('not found', () => {
  it('answers unknown routes with a 404 problem that does not echo the path', async () => {
    const response = await fetch(t.url('/no/such/<script>'));
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toContain(PROBLEM_CONTENT_TYPE);
    expect(await response.text()).not.toContain('script');
  });

  it('answers an undecodable path parameter with 400, not 500', async () => {
    const response = await fetch(t.url('/items/%E0%A4%A'));
    expect(response.status).toBe(400);
    expect(await response.text()).not.toContain('%E0');
  });
});
