import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createKqlGuard } from '@soc/kql';
import { createLogger } from '@soc/observability';
import { memoryLog } from '@soc/observability/testing';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { type KqlAuditRecord, LogAnalyticsExecutor, type LogsCredential, StateKqlAuditLog } from '../src/index.ts';
import { type FakeLogAnalytics, startFakeLogAnalytics } from '../src/testing/index.ts';
import { securityAlertRows, securityAlertTable } from './support/security-alert-rows.ts';

const WORKSPACE = '0f4c2a1e-7b9d-4e3f-9a51-3c2d8e6b1f70';
const TOKEN = 'eyFakeAccessTokenForTests.0123456789';
const HUNT = "SecurityAlert\n| where AlertSeverity == 'High'\n| project TimeGenerated, AlertName, AlertSeverity, ProviderName, SystemAlertId, Entities";
const guard = createKqlGuard();

let fake: FakeLogAnalytics;
const scopesAsked: string[][] = [];
const credential: LogsCredential = {
  getToken: async (scopes) => {
    scopesAsked.push(Array.isArray(scopes) ? [...scopes] : [scopes]);
    return { token: TOKEN, expiresOnTimestamp: Date.now() + 3_600_000 };
  },
};

function makeExecutor(overrides: { maxThrottleRetries?: number; maxRetryWaitSeconds?: number } = {}) {
  const state = new MemoryStateStore();
  const log = memoryLog();
  const waits: number[] = [];
  const audit = new StateKqlAuditLog(state, { retentionDays: 30 });
  const executor = new LogAnalyticsExecutor({
    guard,
    audit,
    clock: manualClock('2026-11-23T10:00:00Z'),
    log: createLogger({ service: 'la-test', destination: log.destination }),
    workspaceId: WORKSPACE,
    credential,
    endpoint: fake.url,
    timeoutSeconds: 45,
    maxThrottleRetries: overrides.maxThrottleRetries ?? 2,
    maxRetryWaitSeconds: overrides.maxRetryWaitSeconds ?? 30,
    clientOptions: { tlsOptions: { ca: fake.ca } },
    sleep: async (ms) => void waits.push(ms),
  });
  return { executor, audit, state, log, waits };
}

const request = { query: HUNT, caller: 'a.khan@contoso.com', purpose: 'hunt: high-severity alerts', correlationId: 'corr-hunt-1' };

beforeAll(async () => {
  fake = await startFakeLogAnalytics();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.received.length = 0;
  scopesAsked.length = 0;
});

describe('LogAnalyticsExecutor against a local Log Analytics query API', () => {
  it('sends the guarded query (row cap appended) over the policy lookback with a bearer token and server timeout, and returns the tables', async () => {
    const rows = securityAlertRows().filter((r) => r.Severity === 'High');
    fake.answer({ status: 200, body: { tables: [securityAlertTable(rows)] } });
    const { executor, audit } = makeExecutor();

    const result = await executor.run(request);

    expect(fake.received).toHaveLength(1);
    const sent = fake.received[0]!;
    expect(sent.path).toBe(`/v1/workspaces/${WORKSPACE}/query`);
    expect(sent.body.query).toBe(`${HUNT}\n| take 10000`);
    expect(sent.body.timespan).toBe('P30D');
    expect(sent.authorization).toBe(`Bearer ${TOKEN}`);
    expect(sent.prefer).toBe('wait=45');
    expect(scopesAsked[0]).toEqual([`${fake.url}/.default`]);

    expect(result.status).toBe('succeeded');
    expect(result.rowCount).toBe(rows.length);
    expect(rows.length).toBeGreaterThan(0);
    const table = result.tables![0]!;
    expect(table.columns.map((c) => c.name)).toEqual(['TimeGenerated', 'AlertName', 'AlertSeverity', 'ProviderName', 'SystemAlertId', 'Entities']);
    expect(table.rows[0]![0]).toBe(new Date(`${rows[0]!.TimeGenerated.replace(' ', 'T')}Z`).toISOString());
    expect(table.rows[0]![4]).toBe(rows[0]!.SystemAlertId);
    // Dynamic columns arrive parsed.
    expect(table.rows[0]![5]).toEqual(rows[0]!.Entities);

    const record = await audit.get(result.auditId);
    expect(record).toMatchObject({
      status: 'succeeded',
      caller: 'a.khan@contoso.com',
      purpose: 'hunt: high-severity alerts',
      correlationId: 'corr-hunt-1',
      backend: 'log-analytics',
      workspaceId: WORKSPACE,
      query: HUNT,
      queryRun: `${HUNT}\n| take 10000`,
      verdict: 'allow',
      tablesRead: ['SecurityAlert'],
      timespan: 'P30D',
      rowCount: rows.length,
      resultTables: [{ name: 'PrimaryResult', columns: 6, rows: rows.length }],
      error: null,
      at: '2026-11-23T10:00:00.000Z',
    });
  });

  it('never sends a denied query, and still audits and logs it — without the token', async () => {
    const { executor, audit, log } = makeExecutor();
    const result = await executor.run({ ...request, query: '.drop table SecurityAlert' });
    expect(result.status).toBe('denied');
    expect(result.reason).toContain('Control commands are not allowed');
    expect(result.verdict.reasons).toEqual([{ code: 'control-command', message: expect.any(String) as string, start: 0, end: 25 }]);
    expect(fake.received).toHaveLength(0);
    expect(scopesAsked).toHaveLength(0);
    const record = (await audit.get(result.auditId))!;
    expect(record).toMatchObject({ status: 'denied', verdict: 'deny', query: '.drop table SecurityAlert', rowCount: 0, caller: 'a.khan@contoso.com' });
    expect(record.reasons.map((r) => r.code)).toEqual(['control-command']);
    const line = log.lines().find((l) => l.msg === 'KQL run denied') as { kqlRun: Partial<KqlAuditRecord> } | undefined;
    expect(line?.kqlRun).toMatchObject({ id: result.auditId, status: 'denied', caller: 'a.khan@contoso.com', query: '.drop table SecurityAlert' });
    await executor.run(request);
    expect(log.text()).not.toContain(TOKEN);
  });

  it('returns partial rows with the service error (Log Analytics partial-error shape)', async () => {
    const rows = securityAlertRows().slice(0, 10);
    fake.answer({
      status: 200,
      body: {
        tables: [securityAlertTable(rows)],
        error: {
          code: 'PartialError',
          message: 'There were some errors when processing your query.',
          details: [{ code: 'EngineError', message: 'Something went wrong processing your query on the server.' }],
          innererror: { code: '-2133196797', message: 'Query result set has exceeded the internal data size limit 67108864 (E_QUERY_RESULT_SET_TOO_LARGE).' },
        },
      },
    });
    const { executor, audit } = makeExecutor();
    const result = await executor.run(request);
    expect(result.status).toBe('partial');
    expect(result.rowCount).toBe(10);
    expect(result.error).toMatchObject({ retryable: true });
    expect(result.error!.message).toContain('PartialError: There were some errors when processing your query.');
    expect(result.error!.message).toContain('E_QUERY_RESULT_SET_TOO_LARGE');
    expect(await audit.get(result.auditId)).toMatchObject({ status: 'partial', rowCount: 10, error: { message: result.error!.message } });
  });

  it('retries throttled (429) answers as Retry-After asks, then succeeds', async () => {
    const throttled = { status: 429, headers: { 'retry-after': '0' }, body: { error: { code: 'ThrottledError', message: 'Your request was throttled.' } } };
    fake.answer(throttled, throttled, { status: 200, body: { tables: [securityAlertTable(securityAlertRows().slice(0, 3))] } });
    const { executor, waits } = makeExecutor();
    const result = await executor.run(request);
    expect(result.status).toBe('succeeded');
    expect(result.rowCount).toBe(3);
    expect(fake.received).toHaveLength(3);
    expect(waits).toEqual([0, 0]);
  });

  it('gives up after the configured retries with a retryable RATE_LIMITED error', async () => {
    const throttled = { status: 429, headers: { 'retry-after': '2' }, body: { error: { code: 'ThrottledError', message: 'Your request was throttled.' } } };
    fake.answer(throttled, throttled, throttled);
    const { executor, audit, waits } = makeExecutor({ maxThrottleRetries: 2 });
    const result = await executor.run(request);
    expect(fake.received).toHaveLength(3);
    expect(waits).toEqual([2000, 2000]);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 2 });
    expect(result.error!.message).toContain('Gave up after 2 retries');
    expect(await audit.get(result.auditId)).toMatchObject({ status: 'failed', error: { code: 'RATE_LIMITED' } });
  });

  it('does not wait out a Retry-After longer than the configured maximum', async () => {
    fake.answer({ status: 429, headers: { 'retry-after': '120' }, body: { error: { code: 'ThrottledError', message: 'Your request was throttled.' } } });
    const { executor, waits } = makeExecutor({ maxRetryWaitSeconds: 30 });
    const result = await executor.run(request);
    expect(fake.received).toHaveLength(1);
    expect(waits).toEqual([]);
    expect(result.error).toMatchObject({ code: 'RATE_LIMITED', retryable: true, retryAfterSeconds: 120 });
  });

  it('explains refusals: 403 names the Log Analytics Reader role, 400 is the query, not retryable', async () => {
    fake.answer(
      { status: 403, body: { error: { code: 'InsufficientAccessError', message: 'The provided credentials have insufficient access to perform the requested operation' } } },
      { status: 400, body: { error: { code: 'BadArgumentError', message: "The request had some invalid properties", details: [{ code: 'SemanticError', message: "'where' operator: Failed to resolve column or scalar expression named 'Sevrity'" }] } } },
    );
    const { executor } = makeExecutor();
    const forbidden = await executor.run(request);
    expect(forbidden.error).toMatchObject({ code: 'FORBIDDEN', retryable: false });
    expect(forbidden.error!.message).toContain('Log Analytics Reader');
    const bad = await executor.run(request);
    expect(bad.status).toBe('failed');
    expect(bad.error).toMatchObject({ code: 'VALIDATION_FAILED', retryable: false });
    expect(bad.error!.message).toContain('BadArgumentError');
    expect(bad.error!.message).toContain("Failed to resolve column or scalar expression named 'Sevrity'");
  });
});
