import { describe, expect, it } from 'vitest';
import { KqlPolicy, createKqlGuard } from '@soc/kql';
import { createLogger } from '@soc/observability';
import { memoryLog } from '@soc/observability/testing';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { type KqlAuditLog, NOT_CONFIGURED_REASON, StateKqlAuditLog, ValidateOnlyExecutor, runGuarded } from '../src/index.ts';

// One guard for the file: building one loads Kusto.Language (about a second).
const guard = createKqlGuard(KqlPolicy.parse({ rowCap: 500, maxLookback: 'P7D' }));
const QUERY = "SecurityIncident\n| where Status == 'New'\n| summarize count() by Severity";

function deps(audit: KqlAuditLog = new StateKqlAuditLog(new MemoryStateStore())) {
  const log = memoryLog();
  return { deps: { guard, audit, clock: manualClock('2026-11-23T09:30:00Z'), log: createLogger({ service: 'test', destination: log.destination }) }, audit, log };
}

describe('ValidateOnlyExecutor (the embedded default)', () => {
  it('validates, audits and returns not-executed with the query as it would run and how to configure a workspace', async () => {
    const { deps: d, audit } = deps();
    const executor = new ValidateOnlyExecutor(d);
    const result = await executor.run({ query: QUERY, caller: 'api', purpose: 'daily report' });
    expect(executor.backend).toBe('validate-only');
    expect(result).toMatchObject({ status: 'not-executed', rowCount: 0, reason: NOT_CONFIGURED_REASON });
    expect(result.verdict.query).toBe(`${QUERY}\n| take 500`);
    expect(result.reason).toContain('LOG_ANALYTICS_WORKSPACE_ID');
    expect(result.tables).toBeUndefined();
    expect(await audit.get(result.auditId)).toMatchObject({ status: 'not-executed', backend: 'validate-only', workspaceId: null, timespan: 'P7D', rowCap: 500, correlationId: null, finishedAt: '2026-11-23T09:30:00.000Z' });
  });

  it('denies what the guard denies, with every reason and its position', async () => {
    const { deps: d } = deps();
    const query = 'SecurityAlert | join (externaldata(x:string) [@"https://evil.example/x.csv"]) on x';
    const result = await new ValidateOnlyExecutor(d).run({ query, caller: 'api', purpose: 'hunt' });
    expect(result.status).toBe('denied');
    expect(result.verdict.reasons[0]).toMatchObject({ code: 'externaldata', start: query.indexOf('externaldata') });
    expect(result.reason).toContain(`externaldata at ${query.indexOf('externaldata')}`);
  });

  it('refuses a run without a caller or purpose (the audit trail needs both)', async () => {
    const { deps: d } = deps();
    const executor = new ValidateOnlyExecutor(d);
    await expect(executor.run({ query: QUERY, caller: ' ', purpose: 'x' })).rejects.toMatchObject({ code: 'VALIDATION_FAILED' });
    await expect(executor.run({ query: QUERY, caller: 'api', purpose: '' })).rejects.toThrow(/purpose/);
  });
});

describe('runGuarded', () => {
  it('records the run as running before the backend is called', async () => {
    const { deps: d, audit } = deps();
    let seenWhileRunning: unknown;
    const result = await runGuarded({ query: QUERY, caller: 'api', purpose: 'p' }, d, {
      kind: 'log-analytics',
      workspaceId: 'ws',
      run: async () => {
        seenWhileRunning = (await audit.list({ limit: 1 })).items[0]?.status;
        return { status: 'succeeded', tables: [{ name: 'PrimaryResult', columns: [{ name: 'Severity', type: 'string' }, { name: 'count_', type: 'long' }], rows: [['High', 4], ['Low', 9]] }] };
      },
    });
    expect(seenWhileRunning).toBe('running');
    expect(result).toMatchObject({ status: 'succeeded', rowCount: 2 });
    expect(await audit.get(result.auditId)).toMatchObject({ status: 'succeeded', rowCount: 2, resultTables: [{ name: 'PrimaryResult', columns: 2, rows: 2 }] });
  });

  it('does not run a query it cannot audit', async () => {
    const failing: KqlAuditLog = {
      append: async () => {
        throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'state store down', { retryable: true });
      },
      complete: async () => undefined,
      get: async () => undefined,
      list: async () => ({ items: [], next: null }),
    };
    const { deps: d } = deps(failing);
    let called = false;
    const run = runGuarded({ query: QUERY, caller: 'api', purpose: 'p' }, d, {
      kind: 'log-analytics',
      workspaceId: 'ws',
      run: async () => {
        called = true;
        return { status: 'succeeded', tables: [] };
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'DEPENDENCY_UNAVAILABLE', retryable: true });
    expect(called).toBe(false);
  });

  it('turns a backend bug into a failed, audited run', async () => {
    const { deps: d, audit, log } = deps();
    const result = await runGuarded({ query: QUERY, caller: 'api', purpose: 'p' }, d, {
      kind: 'log-analytics',
      workspaceId: 'ws',
      run: async () => {
        throw new TypeError('cannot read properties of undefined');
      },
    });
    expect(result).toMatchObject({ status: 'failed', error: { code: 'INTERNAL', retryable: false } });
    expect(await audit.get(result.auditId)).toMatchObject({ status: 'failed' });
    expect(log.lines().find((l) => l.msg === 'KQL run failed')?.level).toBe('warn');
  });
});
