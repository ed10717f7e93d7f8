import { describe, expect, it } from 'vitest';
import { StateAuditTrail, type AuditTrail } from '@soc/audit';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { AUDIT_COLLECTION, AUDIT_PAGE_SIZE, type KqlAuditEntry, StateKqlAuditLog, auditIdOf } from '../src/index.ts';

function entry(i: number): KqlAuditEntry {
  return {
    at: new Date(Date.UTC(2026, 10, 23, 0, 0, i)).toISOString(),
    finishedAt: null,
    caller: i % 2 === 0 ? 'alice' : 'bob',
    purpose: `hunt ${i}`,
    correlationId: null,
    backend: 'validate-only',
    workspaceId: null,
    query: `SigninLogs | where ResultType != 0 | take ${i}`,
    queryRun: `SigninLogs | where ResultType != 0 | take ${i}\n| take 10000`,
    verdict: 'allow',
    reasons: [],
    tablesRead: ['SigninLogs'],
    unknownColumns: [],
    timespan: 'P30D',
    rowCap: 10_000,
    status: 'not-executed',
    resultTables: [],
    rowCount: 0,
    durationMs: 1,
    error: null,
  };
}

describe('StateKqlAuditLog', () => {
  it('numbers records in order and pages through them newest first without gaps or repeats', async () => {
    const audit = new StateKqlAuditLog(new MemoryStateStore());
    const total = AUDIT_PAGE_SIZE * 2 + 37;
    for (let i = 1; i <= total; i++) await audit.append(entry(i));

    const seen: number[] = [];
    let before: number | undefined;
    for (let pages = 0; pages < 100; pages++) {
      const page = await audit.list({ limit: 45, ...(before !== undefined ? { before } : {}) });
      seen.push(...page.items.map((r) => r.seq));
      if (page.next === null) break;
      before = page.next;
    }
    expect(seen).toEqual(Array.from({ length: total }, (_, i) => total - i));
    const newest = await audit.get(auditIdOf(total));
    expect(newest).toMatchObject({ seq: total, purpose: `hunt ${total}`, auditPage: Math.floor(total / AUDIT_PAGE_SIZE) });
  });

  it('gives concurrent appends distinct numbers', async () => {
    const audit = new StateKqlAuditLog(new MemoryStateStore());
    const records = await Promise.all(Array.from({ length: 20 }, (_, i) => audit.append(entry(i + 1))));
    expect(new Set(records.map((r) => r.seq)).size).toBe(20);
    expect((await audit.list({ limit: 100 })).items).toHaveLength(20);
  });

  it('expires records after the retention period but keeps numbering', async () => {
    const clock = manualClock('2026-11-01T00:00:00Z');
    const audit = new StateKqlAuditLog(new MemoryStateStore({ clock }), { retentionDays: 7 });
    const old = await audit.append(entry(1));
    clock.advance(8 * 86_400_000);
    expect(await audit.get(old.id)).toBeUndefined();
    const fresh = await audit.append(entry(2));
    expect(fresh.seq).toBe(2);
    expect((await audit.list({ limit: 10 })).items.map((r) => r.seq)).toEqual([2]);
  });

  it('records an outcome once, beside the start record: completing cannot rewrite who ran what, nor a second outcome the first', async () => {
    const state = new MemoryStateStore();
    const audit = new StateKqlAuditLog(state);
    const started = await audit.append({ ...entry(2), status: 'running' });
    await audit.complete({ ...started, status: 'succeeded', rowCount: 3, caller: 'mallory', query: 'print "nothing to see"' });
    await expect(audit.complete({ ...started, status: 'failed', rowCount: 0 })).rejects.toMatchObject({ code: ErrorCode.CONFLICT });
    expect(await audit.get(started.id)).toMatchObject({ caller: 'alice', query: entry(2).query, status: 'succeeded', rowCount: 3 });
    expect((await audit.list({ limit: 1 })).items[0]).toMatchObject({ caller: 'alice', status: 'succeeded' });
    // The start record as stored is the one first written.
    expect((await state.get(AUDIT_COLLECTION, started.id))?.value).toEqual(started);
  });

  it('chains the start and the outcome of each run into the tamper-evident trail, and records nothing when it cannot', async () => {
    const state = new MemoryStateStore();
    const trail = new StateAuditTrail(state);
    const audit = new StateKqlAuditLog(state, { trail });
    const started = await audit.append({ ...entry(4), status: 'running' });
    await audit.complete({ ...started, status: 'not-executed' });
    const records = await trail.list({ stream: 'kql' });
    expect(records.map((r) => [r.kind, r.subject, r.actor])).toEqual([
      ['kql.run.finished', started.id, 'alice'],
      ['kql.run.started', started.id, 'alice'],
    ]);
    expect(records[0]?.data).toMatchObject({ status: 'not-executed', querySha256: expect.stringMatching(/^[0-9a-f]{64}$/) as string, verdict: 'allow' });
    expect(JSON.stringify(records)).not.toContain('SigninLogs | where');
    expect(await trail.verify()).toMatchObject({ ok: true, count: 2 });

    const down: AuditTrail = { append: () => Promise.reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'state down', { retryable: true })) };
    const failing = new StateKqlAuditLog(state, { trail: down });
    await expect(failing.append(entry(5))).rejects.toMatchObject({ code: ErrorCode.DEPENDENCY_UNAVAILABLE });
    expect((await failing.list({ limit: 10 })).items.map((r) => r.seq)).toEqual([1]);
  });
});
