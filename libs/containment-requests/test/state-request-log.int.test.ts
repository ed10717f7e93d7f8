import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStateStore } from '@soc/state';
import { type RequestFacts, StateFreezeSwitch, StateRequestLog, bindingHashOf, freezeOf } from '../src/index.ts';

const stores: SqliteStateStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
function open() {
  const store = new SqliteStateStore({ path: ':memory:' });
  stores.push(store);
  return store;
}

function facts(requestId: string, value = '203.0.113.9'): RequestFacts {
  const base = { requestId, tenantId: 'contoso', alertId: 'alt-1', actionId: 'act-1', correlationId: 'c', runbook: 'block-ip' as const, target: { entityId: `ip:${value}`, type: 'ip', value }, arguments: {}, reason: 'r', sender: 'siem', approvalsRequired: 1 as const, requestedAt: '2026-05-01T10:00:00.000Z', expiresAt: '2026-05-01T14:00:00.000Z' };
  return { ...base, bindingHash: bindingHashOf(base) };
}

describe('StateRequestLog on SQLite', () => {
  it('appends each version once: a second writer of the same version conflicts (retryable) and nothing is rewritten', async () => {
    const log = new StateRequestLog(open());
    const empty = await log.load('cr-1');
    expect(empty).toEqual({ request: undefined, version: 0 });
    await log.append('cr-1', empty, [{ kind: 'requested', at: '2026-05-01T10:00:00.000Z', facts: facts('cr-1') }]);
    const loaded = await log.load('cr-1');
    await log.append('cr-1', loaded, [{ kind: 'denied', at: '2026-05-01T10:01:00.000Z', by: 'alice', comment: '' }]);
    // A writer that loaded the same version races and loses.
    await expect(log.append('cr-1', loaded, [{ kind: 'voided', at: '2026-05-01T10:01:00.000Z', by: 'root', reason: 'x' }])).rejects.toMatchObject({ code: 'CONFLICT', retryable: true });
    expect((await log.get('cr-1'))?.status).toBe('denied');
    expect((await log.load('cr-1')).version).toBe(2);
  });

  it('lists by status and by alert from the index, and counts started executions per target and tenant', async () => {
    const log = new StateRequestLog(open());
    for (const [id, value] of [['cr-a', '198.51.100.1'], ['cr-b', '198.51.100.1'], ['cr-c', '198.51.100.2']] as const) {
      await log.append(id, await log.load(id), [{ kind: 'requested', at: '2026-05-01T10:00:00.000Z', facts: facts(id, value) }]);
    }
    for (const id of ['cr-a', 'cr-b']) {
      await log.append(id, await log.load(id), [{ kind: 'approval-recorded', at: '2026-05-01T10:05:00.000Z', approval: { approver: 'alice', at: '2026-05-01T10:05:00.000Z', comment: '', bindingHash: 'x' } }, { kind: 'approved', at: '2026-05-01T10:05:00.000Z', approver: 'alice' }]);
      await log.append(id, await log.load(id), [{ kind: 'execution-started', at: '2026-05-01T10:06:00.000Z' }]);
    }
    expect((await log.listByStatus('pending-approval')).map((r) => r.requestId)).toEqual(['cr-c']);
    expect((await log.listByStatus('executing', { runbook: 'block-ip' })).map((r) => r.requestId).sort()).toEqual(['cr-a', 'cr-b']);
    expect((await log.listForAlert('alt-1')).length).toBe(3);
    const since = '2026-05-01T09:30:00.000Z';
    expect(await log.countExecutionsSince({ tenantId: 'contoso', target: facts('x', '198.51.100.1').target, since })).toBe(2);
    expect(await log.countExecutionsSince({ tenantId: 'contoso', target: facts('x', '198.51.100.2').target, since })).toBe(0);
    expect(await log.countExecutionsSince({ tenantId: 'contoso', since })).toBe(2);
    expect(await log.countExecutionsSince({ tenantId: 'contoso', since: '2026-05-01T10:06:00.001Z' })).toBe(0);
    expect(await log.countExecutionsSince({ tenantId: 'fabrikam', since })).toBe(0);
  });
});

describe('StateFreezeSwitch', () => {
  it('keeps the global and per-runbook switches with who, when and why', async () => {
    const freeze = new StateFreezeSwitch(open());
    expect(await freeze.read()).toEqual({ global: null, runbooks: {} });
    await freeze.set({ frozen: true, runbook: 'isolate-host', by: 'root', at: '2026-05-01T10:00:00.000Z', reason: 'bad runbook' });
    let state = await freeze.read();
    expect(freezeOf(state, 'isolate-host')).toMatchObject({ by: 'root', reason: 'bad runbook' });
    expect(freezeOf(state, 'block-ip')).toBeUndefined();
    await freeze.set({ frozen: true, by: 'root', at: '2026-05-01T10:01:00.000Z', reason: 'incident' });
    state = await freeze.read();
    expect(freezeOf(state, 'block-ip')?.reason).toBe('incident');
    await freeze.set({ frozen: false, by: 'root', at: '2026-05-01T10:02:00.000Z', reason: 'over' });
    expect(freezeOf(await freeze.read(), 'block-ip')).toBeUndefined();
  });
});
