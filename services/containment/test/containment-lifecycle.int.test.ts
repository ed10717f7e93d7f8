import { afterEach, describe, expect, it } from 'vitest';
import { ContainmentApprovedV2, ContainmentFreezeChangedV2, type SocEvent, createEvent, parseEvent } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import { SqliteStateStore } from '@soc/state';
import { requestIdFor } from '../src/handler.ts';
import { CountingRunbooks, CrashOnceStateStore, ENV, decisionFor, setupContainment } from './support/index.ts';

const stores: SqliteStateStore[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});
function sqlite() {
  const store = new SqliteStateStore({ path: ':memory:' });
  stores.push(store);
  return store;
}

const target = { entityId: 'ip:185.220.101.4', type: 'ip', value: '185.220.101.4' };
const alert = sampleAlert({ alertId: 'alt-x', sender: 'siem' });
const decision = decisionFor(alert, { actionId: 'act-1', runbook: 'block-ip', target });
const requestId = requestIdFor('alt-x', 'block-ip', target.entityId);
let approvalSeq = 0;
const approve = (approver: string, bindingHash: string | undefined, id = `ap-${++approvalSeq}`) =>
  createEvent(ContainmentApprovedV2, { requestId, alertId: 'alt-x', approver, decidedAt: '2026-11-23T10:05:00.000Z', comment: 'ok', ...(bindingHash ? { bindingHash } : {}) }, { ...ENV, id }) as SocEvent;
const hashOf = (out: { emit: readonly SocEvent[] }) => {
  const requested = out.emit.find((e) => e.type === 'soc.containment.requested.v2');
  if (requested?.type !== 'soc.containment.requested.v2' || !requested.data.bindingHash) throw new Error('no request announced');
  return requested.data.bindingHash;
};

describe('containment lifecycle on SQLite', () => {
  it('announces the binding hash and refuses an approval without it or with another one; nothing runs', async () => {
    const runbooks = new CountingRunbooks();
    const c = setupContainment({ store: sqlite(), runbooks });
    const requested = await c.handle(decision);
    expect(parseEvent(JSON.parse(JSON.stringify(requested.emit[0]))).ok).toBe(true);
    const hash = hashOf(requested);
    expect((await c.handle(approve('alice', undefined))).emit).toEqual([]);
    expect((await c.handle(approve('alice', 'f'.repeat(64)))).emit).toEqual([]);
    expect(runbooks.runs).toBe(0);
    expect(c.audit.kinds().filter((k) => k === 'containment.approve-refused')).toHaveLength(2);
    expect((await c.handle(approve('alice', hash))).emit.map((e) => e.type)).toEqual(['soc.containment.executed.v2']);
    expect(runbooks.runs).toBe(1);
  });

  it("refuses the alert sender's own approval", async () => {
    const runbooks = new CountingRunbooks();
    const c = setupContainment({ store: sqlite(), runbooks });
    const hash = hashOf(await c.handle(decision));
    expect((await c.handle(approve('siem', hash))).emit).toEqual([]);
    expect(runbooks.runs).toBe(0);
    expect(c.audit.entries.at(-1)).toMatchObject({ kind: 'containment.approve-refused', actor: 'siem', data: { code: 'sender-cannot-approve' } });
    expect((await c.requests.get(requestId))?.status).toBe('pending-approval');
  });

  it('four-eyes: the same approver twice is refused, a second approver executes', async () => {
    const runbooks = new CountingRunbooks();
    const c = setupContainment({ store: sqlite(), runbooks, approvalsRequired: (r) => (r === 'block-ip' ? 2 : 1) });
    const requested = await c.handle(decision);
    expect(requested.emit[0]?.data).toMatchObject({ approvalsRequired: 2 });
    const hash = hashOf(requested);
    expect((await c.handle(approve('alice', hash))).emit).toEqual([]);
    expect((await c.handle(approve('alice', hash))).emit).toEqual([]);
    expect(runbooks.runs).toBe(0);
    expect(await c.requests.get(requestId)).toMatchObject({ status: 'pending-approval', approvals: [{ approver: 'alice' }] });
    const out = await c.handle(approve('bob', hash));
    expect(out.emit[0]).toMatchObject({ type: 'soc.containment.executed.v2', data: { approvedBy: 'alice, bob' } });
    expect(runbooks.runs).toBe(1);
  });

  it('a crash between execution-started and the result never runs the runbook again: the redelivery records an unknown outcome', async () => {
    const runbooks = new CountingRunbooks();
    const store = new CrashOnceStateStore(sqlite(), /^(executed|failed)$/);
    const c = setupContainment({ store, runbooks });
    const hash = hashOf(await c.handle(decision));
    const approval = approve('alice', hash, 'ap-crash');
    await expect(c.handle(approval)).rejects.toThrow('process killed');
    expect(store.crashed).toBe(true);
    expect(runbooks.runs).toBe(1);
    expect((await c.requests.get(requestId))?.status).toBe('executing');
    const redelivered = await c.handle(approval);
    expect(runbooks.runs).toBe(1);
    expect(redelivered.emit[0]).toMatchObject({ type: 'soc.containment.failed.v2' });
    expect((redelivered.emit[0]!.data as { error: string }).error).toMatch(/^outcome unknown: the process stopped during execution; check ip 185\.220\.101\.4 by hand/);
    expect((await c.requests.get(requestId))?.status).toBe('failed');
  });

  it('a crash after the approval is recorded, before the start, runs the runbook once on redelivery', async () => {
    const runbooks = new CountingRunbooks();
    const store = new CrashOnceStateStore(sqlite(), /^execution-started$/);
    const c = setupContainment({ store, runbooks });
    const hash = hashOf(await c.handle(decision));
    const approval = approve('alice', hash, 'ap-crash2');
    await expect(c.handle(approval)).rejects.toThrow('process killed');
    expect(runbooks.runs).toBe(0);
    expect((await c.handle(approval)).emit.map((e) => e.type)).toEqual(['soc.containment.executed.v2']);
    expect((await c.handle(approval)).emit.map((e) => e.type)).toEqual(['soc.containment.executed.v2']);
    expect(runbooks.runs).toBe(1);
  });

  it('replaying every decision and approval twice runs each runbook at most once', async () => {
    const runbooks = new CountingRunbooks();
    const c = setupContainment({ store: sqlite(), runbooks });
    const targets = ['198.51.100.1', '198.51.100.2', '198.51.100.3'].map((v) => ({ entityId: `ip:${v}`, type: 'ip', value: v }));
    const decisions = targets.map((t, i) => decisionFor(sampleAlert({ alertId: `alt-r${i}`, sender: 'siem' }), { actionId: `act-r${i}`, runbook: 'block-ip', target: t }, `d-r${i}`));
    const hashes: string[] = [];
    for (const d of decisions) hashes.push(hashOf(await c.handle(d)));
    const approvals = targets.map((t, i) => createEvent(ContainmentApprovedV2, { requestId: requestIdFor(`alt-r${i}`, 'block-ip', t.entityId), alertId: `alt-r${i}`, approver: 'alice', decidedAt: '2026-11-23T10:05:00.000Z', comment: '', bindingHash: hashes[i] }, { ...ENV, id: `ap-r${i}` }) as SocEvent);
    for (let round = 0; round < 2; round++) {
      for (const d of decisions) await c.handle(d);
      await Promise.all(approvals.map((a) => c.handle(a)));
    }
    expect(runbooks.runs).toBe(3);
    expect(c.audit.kinds().filter((k) => k === 'containment.execution-started')).toHaveLength(3);
  });

  it('freezing voids pending requests (audited), a later approval is refused, new requests are voided on arrival; unfreezing lets new ones through', async () => {
    const runbooks = new CountingRunbooks();
    const c = setupContainment({ store: sqlite(), runbooks });
    const hash = hashOf(await c.handle(decision));
    const freeze = (frozen: boolean, id: string) => createEvent(ContainmentFreezeChangedV2, { frozen, reason: 'incident', by: 'root', at: '2026-11-23T10:01:00.000Z' }, { ...ENV, id }) as SocEvent;
    await c.freeze.set({ frozen: true, by: 'root', at: '2026-11-23T10:01:00.000Z', reason: 'incident' });
    await c.handle(freeze(true, 'f-1'));
    expect(await c.requests.get(requestId)).toMatchObject({ status: 'voided', decidedBy: 'root' });
    expect(c.audit.entries.find((e) => e.kind === 'containment.voided')).toMatchObject({ actor: 'root', subject: requestId });
    expect((await c.handle(approve('alice', hash))).emit.map((e) => e.type)).toEqual(['soc.containment.failed.v2']);
    expect(runbooks.runs).toBe(0);
    const other = decisionFor(sampleAlert({ alertId: 'alt-y', sender: 'siem' }), { actionId: 'act-y', runbook: 'block-ip', target }, 'd-y');
    expect((await c.handle(other)).emit).toEqual([]);
    expect((await c.requests.get(requestIdFor('alt-y', 'block-ip', target.entityId)))?.status).toBe('voided');
    await c.freeze.set({ frozen: false, by: 'root', at: '2026-11-23T10:02:00.000Z', reason: 'over' });
    await c.handle(freeze(false, 'f-2'));
    const third = decisionFor(sampleAlert({ alertId: 'alt-z', sender: 'siem' }), { actionId: 'act-z', runbook: 'block-ip', target }, 'd-z');
    expect((await c.handle(third)).emit.map((e) => e.type)).toEqual(['soc.containment.requested.v2']);
  });

  it('the pre-execution re-check refuses on a freeze set after the approval, an unreadable freeze, the caps and the policy', async () => {
    // Frozen between approval and execution: refused, nothing runs.
    const runbooks = new CountingRunbooks();
    let policy: string | undefined = 'target is protected';
    const c = setupContainment({ store: sqlite(), runbooks, recheck: async () => policy, limits: { perTargetPerHour: 1, perTenantPerHour: 2 } });
    let hash = hashOf(await c.handle(decision));
    const refused = await c.handle(approve('alice', hash));
    expect((refused.emit[0]!.data as { error: string }).error).toBe('refused before execution: target is protected');
    expect((await c.requests.get(requestId))?.status).toBe('refused');
    policy = undefined;
    // Caps: one execution per target per hour, two per tenant.
    const ask = async (alertId: string, t: typeof target) => {
      const d = decisionFor(sampleAlert({ alertId, sender: 'siem' }), { actionId: `act-${alertId}`, runbook: 'block-ip', target: t }, `d-${alertId}`);
      hash = hashOf(await c.handle(d));
      const a = createEvent(ContainmentApprovedV2, { requestId: requestIdFor(alertId, 'block-ip', t.entityId), alertId, approver: 'alice', decidedAt: '2026-11-23T10:05:00.000Z', comment: '', bindingHash: hash }, { ...ENV, id: `ap-${alertId}` }) as SocEvent;
      const out = await c.handle(a);
      return out.emit[0]!.type === 'soc.containment.executed.v2' ? 'executed' : (out.emit[0]!.data as { error: string }).error;
    };
    const t2 = { entityId: 'ip:198.51.100.7', type: 'ip', value: '198.51.100.7' };
    const t3 = { entityId: 'ip:198.51.100.8', type: 'ip', value: '198.51.100.8' };
    expect(await ask('alt-c1', target)).toBe('executed');
    expect(await ask('alt-c2', target)).toMatch(/^refused before execution: blast radius: 1 containment\(s\) already ran on ip 185\.220\.101\.4 in the last hour \(limit 1\)/);
    expect(await ask('alt-c3', t2)).toBe('executed');
    expect(await ask('alt-c4', t3)).toMatch(/blast radius: 2 containment\(s\) already ran in tenant contoso/);
    c.clock.advance(61 * 60_000);
    expect(await ask('alt-c5', t3)).toBe('executed');
    expect(runbooks.runs).toBe(3);
  });

  it('fails closed when the freeze cannot be read or the audit trail cannot be written: nothing runs, the error is retried', async () => {
    const runbooks = new CountingRunbooks();
    const c = setupContainment({ store: sqlite(), runbooks });
    const hash = hashOf(await c.handle(decision));
    c.audit.failing = true;
    await expect(c.handle(approve('alice', hash, 'ap-a'))).rejects.toThrow('audit store unavailable');
    expect((await c.requests.get(requestId))?.status).toBe('pending-approval');
    c.audit.failing = false;
    // The same store, read by a containment whose freeze switch cannot be read.
    const broken = setupContainment({ store: c.store, runbooks, freeze: { read: async () => { throw new Error('state down'); }, set: async () => undefined } });
    await expect(broken.handle(approve('alice', hash, 'ap-f'))).rejects.toThrow('state down');
    expect((await c.requests.get(requestId))?.status).toBe('pending-approval');
    expect(runbooks.runs).toBe(0);
    expect((await c.handle(approve('alice', hash, 'ap-f'))).emit.map((e) => e.type)).toEqual(['soc.containment.executed.v2']);
  });
});
