import express from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type HttpServer, errorHandler, listen } from '@soc/http';
import { createKqlGuard } from '@soc/kql';
import { type KqlAuditRecord, type KqlExecutor, StateKqlAuditLog, ValidateOnlyExecutor, runGuarded } from '@soc/log-analytics';
import { createLogger } from '@soc/observability';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { huntRoutes } from '../src/hunt-routes.ts';
import './support/checked-fetch.ts';

const log = createLogger({ service: 'api-test', level: 'silent' });
const clock = manualClock('2026-11-23T12:00:00Z');
const audit = new StateKqlAuditLog(new MemoryStateStore({ clock }));
const deps = { guard: createKqlGuard(), audit, clock, log };

/** Stands in for Log Analytics throttling every run: an executor whose backend answers 429 for good. */
const throttled: KqlExecutor = {
  backend: 'log-analytics',
  run: (request) =>
    runGuarded(request, deps, {
      kind: 'log-analytics',
      workspaceId: '0f4c2a1e-7b9d-4e3f-9a51-3c2d8e6b1f70',
      run: async () => ({ status: 'failed', error: { code: 'RATE_LIMITED', message: 'Log Analytics is throttling queries; try again in 17 s or later.', retryable: true, retryAfterSeconds: 17 } }),
    }),
};

let http: HttpServer;
let throttledHttp: HttpServer;
const as = (principal: string) => ({ 'content-type': 'application/json', 'x-test-principal': principal, 'x-request-id': 'req-hunt-1' });

async function serve(executor: KqlExecutor): Promise<HttpServer> {
  const app = express();
  app.use((req, res, next) => {
    res.locals.principal = req.get('x-test-principal') ?? 'api';
    // As SOC_API_ROLES=api:hunter,a.khan@contoso.com:hunter would grant.
    res.locals.roles = ['api', 'a.khan@contoso.com'].includes(res.locals.principal as string) ? ['viewer', 'hunter'] : [];
    res.locals.requestId = req.get('x-request-id');
    next();
  });
  app.use(huntRoutes({ executor, audit }));
  app.use(errorHandler({ logger: log }));
  return listen(app, 0, '127.0.0.1');
}
async function post(server: HttpServer, body: unknown, principal = 'a.khan@contoso.com') {
  const res = await fetch(`${server.url}/api/v1/hunt/queries`, { method: 'POST', headers: as(principal), body: JSON.stringify(body) });
  return { status: res.status, headers: res.headers, body: (await res.json()) as Record<string, unknown> };
}
async function get(path: string, principal = 'a.khan@contoso.com') {
  const res = await fetch(`${http.url}${path}`, { headers: as(principal) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

beforeAll(async () => {
  http = await serve(new ValidateOnlyExecutor(deps));
  throttledHttp = await serve(throttled);
});
afterAll(async () => {
  await http.close();
  await throttledHttp.close();
});

const HUNT = "SigninLogs\n| where ResultType == '50126'\n| summarize Failures = count() by UserPrincipalName, IPAddress\n| where Failures > 10";

describe('POST /api/v1/hunt/queries', () => {
  it('validates the query, records the token principal as caller and shows the query as it would run', async () => {
    const res = await post(http, { query: HUNT, purpose: 'password spray hunt for case cg-42' });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ backend: 'validate-only', status: 'not-executed', rowCount: 0 });
    const verdict = res.body.verdict as { verdict: string; query: string; tables: string[] };
    expect(verdict.verdict).toBe('allow');
    expect(verdict.tables).toEqual(['SigninLogs']);
    expect(verdict.query.startsWith(HUNT)).toBe(true);
    expect(verdict.query).toMatch(/\| take \d+\s*$/);
    expect(String(res.body.reason)).toContain('LOG_ANALYTICS_WORKSPACE_ID');

    const record = await get(`/api/v1/hunt/audit/${String(res.body.auditId)}`);
    expect(record.status).toBe(200);
    expect(record.body).toMatchObject({ caller: 'a.khan@contoso.com', purpose: 'password spray hunt for case cg-42', correlationId: 'req-hunt-1', status: 'not-executed', query: HUNT });
  });

  it('denies a query the guard refuses, never runs it, and audits it', async () => {
    const res = await post(http, { query: '.set-or-append SigninLogs <| SigninLogs | take 1', purpose: 'should not run', correlationId: 'corr-alt-7' });
    expect(res.status).toBe(200);
    expect(res.body.status).toBe('denied');
    expect(String(res.body.reason)).toContain('denied');
    const record = await get(`/api/v1/hunt/audit/${String(res.body.auditId)}`);
    expect(record.body).toMatchObject({ status: 'denied', verdict: 'deny', correlationId: 'corr-alt-7' });
  });

  it('answers 400 naming the fields of a bad body, and 403 for a token not allowed to hunt', async () => {
    const bad = await post(http, { query: '', purpose: 'x', caller: 'someone-else' });
    expect(bad.status).toBe(400);
    const fields = JSON.stringify(bad.body.errors);
    expect(fields).toContain('query');
    expect(fields).toContain('purpose');
    const forbidden = await post(http, { query: HUNT, purpose: 'siem token tries to read logs' }, 'siem');
    expect(forbidden.status).toBe(403);
    expect(forbidden.body).toMatchObject({ type: 'urn:soc:problem:missing-role', role: 'hunter' });
  });

  it('passes a throttled run back with Retry-After', async () => {
    const res = await post(throttledHttp, { query: HUNT, purpose: 'hunt while throttled' });
    expect(res.status).toBe(200);
    expect(res.headers.get('retry-after')).toBe('17');
    expect(res.body).toMatchObject({ status: 'failed', error: { code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 17 } });
  });
});

describe('GET /api/v1/hunt/audit', () => {
  it('pages the audit trail newest first', async () => {
    for (let i = 0; i < 5; i++) await post(http, { query: `SecurityIncident | where IncidentNumber == ${i}`, purpose: `paging ${i}` });
    const first = await get('/api/v1/hunt/audit?limit=3');
    const items = first.body.items as KqlAuditRecord[];
    expect(items.map((r) => r.purpose)).toEqual(['paging 4', 'paging 3', 'paging 2']);
    const second = await get(`/api/v1/hunt/audit?limit=3&before=${String(first.body.next)}`);
    expect((second.body.items as KqlAuditRecord[]).map((r) => r.purpose)).toEqual(['paging 1', 'paging 0', 'hunt while throttled']);
    expect((await get('/api/v1/hunt/audit?limit=1000')).status).toBe(400);
    expect((await get('/api/v1/hunt/audit/kqa-999999999999')).status).toBe(404);
  });
});
