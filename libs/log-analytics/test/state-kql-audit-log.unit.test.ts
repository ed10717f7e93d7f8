import { describe, expect, it } from 'vitest';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { AUDIT_PAGE_SIZE, type KqlAuditEntry, StateKqlAuditLog, auditIdOf } from '../src/index.ts';

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
});
