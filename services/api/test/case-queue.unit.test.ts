import { describe, expect, it } from 'vitest';
import type { CaseGroup } from '../src/case-group.ts';
import { QueueQuery, queuePage, queueRow } from '../src/case-queue.ts';

const group = (id: string, over: Partial<CaseGroup> = {}): CaseGroup => ({
  groupId: id,
  key: `k-${id}`,
  tenantId: 'contoso',
  firstAlertId: `alt-${id}`,
  title: id,
  severity: 'high',
  source: 'generic',
  count: 1,
  firstSeen: '2026-11-23T10:00:00.000Z',
  lastSeen: '2026-11-23T10:00:00.000Z',
  riskScore: null,
  riskLevel: null,
  verdict: null,
  memberIds: [`alt-${id}`],
  ...over,
});
const ctx = { now: new Date('2026-11-23T10:30:00Z'), slaMinutes: { critical: 15, high: 60 }, principal: 'ana' };
const page = (groups: CaseGroup[], query: Record<string, string> = {}) => {
  const result = queuePage(groups, QueueQuery.parse(query), ctx);
  if (!result.ok) throw new Error(result.detail);
  return result;
};
const ids = (groups: CaseGroup[], query: Record<string, string> = {}) => page(groups, query).items.map((g) => g.groupId);

describe('queueRow', () => {
  it('due at firstSeen + the severity\'s SLA minutes (null without one), age from firstSeen, unassigned and new by default', () => {
    expect(queueRow(group('a'), ctx)).toMatchObject({ slaDueAt: '2026-11-23T11:00:00.000Z', ageSeconds: 1800, assignee: null, status: 'new' });
    expect(queueRow(group('b', { severity: 'low' }), ctx).slaDueAt).toBeNull();
  });
});

describe('queuePage', () => {
  const groups = [
    group('low', { severity: 'low', riskScore: 99 }),
    group('high-late', { firstSeen: '2026-11-23T10:20:00.000Z', lastSeen: '2026-11-23T10:25:00.000Z', riskScore: 90 }),
    group('high-early-low', { riskScore: 10, verdict: 'false-positive' }),
    group('high-early-top', { riskScore: 80, verdict: 'true-positive', assignee: 'ana', status: 'in-progress' }),
    group('crit', { severity: 'critical', firstSeen: '2026-11-23T10:29:00.000Z', lastSeen: '2026-11-23T10:29:00.000Z', status: 'resolved', assignee: 'bob' }),
  ];

  it('priority: severity, then the SLA due soonest, then the higher risk score', () => {
    expect(ids(groups)).toEqual(['crit', 'high-early-top', 'high-early-low', 'high-late', 'low']);
  });

  it('newest (latest activity first) and oldest (first seen first)', () => {
    expect(ids(groups, { sort: 'newest' })[0]).toBe('crit');
    expect(ids(groups, { sort: 'oldest' }).slice(0, 3).sort()).toEqual(['high-early-low', 'high-early-top', 'low']);
    expect(ids(groups, { sort: 'oldest' }).at(-1)).toBe('crit');
  });

  it('filters by severity, verdict, status (open: not resolved) and assignee (me, unassigned, a name)', () => {
    expect(ids(groups, { severity: 'low' })).toEqual(['low']);
    expect(ids(groups, { verdict: 'true-positive' })).toEqual(['high-early-top']);
    expect(ids(groups, { verdict: 'none' })).toEqual(['crit', 'high-late', 'low']);
    expect(ids(groups, { status: 'open' })).not.toContain('crit');
    expect(ids(groups, { status: 'resolved' })).toEqual(['crit']);
    expect(ids(groups, { assignee: 'me' })).toEqual(['high-early-top']);
    expect(ids(groups, { assignee: 'bob' })).toEqual(['crit']);
    expect(ids(groups, { assignee: 'unassigned' })).toEqual(['high-early-low', 'high-late', 'low']);
  });

  it('pages by cursor through every row once, and a new row of higher priority does not shift the next page', () => {
    const first = page(groups, { limit: '2' });
    expect(first.items.map((g) => g.groupId)).toEqual(['crit', 'high-early-top']);
    const grown = [...groups, group('crit-2', { severity: 'critical' })];
    const second = page(grown, { limit: '2', cursor: first.next! });
    expect(second.items.map((g) => g.groupId)).toEqual(['high-early-low', 'high-late']);
    const third = page(grown, { limit: '2', cursor: second.next! });
    expect(third.items.map((g) => g.groupId)).toEqual(['low']);
    expect(third.next).toBeNull();
  });

  it('refuses a cursor of other filters, of another principal\'s "me", or a forged one', () => {
    const open = page(groups, { limit: '1', status: 'open' });
    expect(queuePage(groups, QueueQuery.parse({ limit: '1', cursor: open.next! }), ctx)).toMatchObject({ ok: false });
    const mine = [group('m1', { assignee: 'ana' }), group('m2', { assignee: 'ana' })];
    const anas = page(mine, { limit: '1', assignee: 'me' });
    expect(anas.next).not.toBeNull();
    expect(queuePage(mine, QueueQuery.parse({ limit: '1', assignee: 'me', cursor: anas.next! }), ctx)).toMatchObject({ ok: true });
    expect(queuePage(mine, QueueQuery.parse({ limit: '1', assignee: 'me', cursor: anas.next! }), { ...ctx, principal: 'bob' })).toMatchObject({ ok: false });
    expect(queuePage(groups, QueueQuery.parse({ cursor: Buffer.from('{"f":1}').toString('base64url') }), ctx)).toMatchObject({ ok: false });
    expect(queuePage(groups, QueueQuery.parse({ cursor: '%%%' }), ctx)).toMatchObject({ ok: false });
  });
});
