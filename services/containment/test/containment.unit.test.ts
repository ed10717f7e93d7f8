import { describe, expect, it } from 'vitest';
import { ContainmentApprovedV2, ContainmentDeniedV1, DecisionMadeV2, type Alert, createEvent, parseEvent } from '@soc/contracts';
import { SAMPLE_ENTITIES, sampleAlert } from '@soc/contracts/testing';
import { requestIdFor } from '../src/handler.ts';
import type { ContainmentRequest } from '../src/ports.ts';
import { ENV as env, type FakeRunbooks, decisionFor, executor, setupContainment } from './support/index.ts';

const alert: Alert = sampleAlert({ alertId: 'alt-c', entities: [SAMPLE_ENTITIES.externalIp] });
const decision = decisionFor(alert, { actionId: 'act-block', runbook: 'block-ip', target: { entityId: 'ip:185.220.101.4', type: 'ip', value: '185.220.101.4' } });
const requestId = requestIdFor('alt-c', 'block-ip', 'ip:185.220.101.4');

function setup(runbooks?: FakeRunbooks) {
  const system = setupContainment(runbooks ? { runbooks: executor(runbooks) } : {});
  let bindingHash = '';
  const approval = (id: string, at = '2026-11-23T10:05:00.000Z') =>
    createEvent(ContainmentApprovedV2, { requestId, alertId: 'alt-c', approver: 'alice@contoso.com', decidedAt: at, comment: 'confirmed C2', changeRef: 'CRQ-1', bindingHash }, { ...env, id });
  const handle = async (e: Parameters<typeof system.handle>[0]) => {
    const out = await system.handle(e);
    for (const o of out.emit) if (o.type === 'soc.containment.requested.v2') bindingHash = o.data.bindingHash ?? '';
    return out;
  };
  return { ...system, handle, approval };
}

describe('containment', () => {
  it("a new revision's decision asking for the same containment asks nobody twice and leaves the decided request as it is", async () => {
    const { handle, requests, approval } = setup();
    await handle(decision);
    await handle(approval('ap-1'));
    const revised = createEvent(
      DecisionMadeV2,
      { ...decision.data, actions: decision.data.actions.map((a) => (a.kind === 'RunContainment' ? { ...a, actionId: 'act-block-rev2' } : a)) },
      { ...env, id: 'd-2' },
    );
    const out = await handle(revised);
    expect(out.emit).toEqual([]);
    expect(await requests.get(requestId)).toMatchObject({ status: 'executed', actionId: 'act-block' });
  });

  it("a new revision's decision asks again when the earlier request expired unanswered or failed", async () => {
    const revised = (id: string) =>
      createEvent(DecisionMadeV2, { ...decision.data, actions: decision.data.actions.map((a) => (a.kind === 'RunContainment' ? { ...a, actionId: `act-block-${id}` } : a)) }, { ...env, id });
    const expiring = setup();
    await expiring.handle(decision);
    expiring.clock.advance(2 * 60 * 60_000);
    const asked = await expiring.handle(revised('d-3'));
    expect(asked.emit).toEqual([expect.objectContaining({ type: 'soc.containment.requested.v2', data: expect.objectContaining({ requestId, actionId: 'act-block-d-3', status: 'pending-approval' }) })]);
    expect(await expiring.requests.get(requestId)).toMatchObject({ status: 'pending-approval', actionId: 'act-block-d-3' });

    const failing = setup({ isDryRun: () => false, execute: async () => { throw new Error('firewall API refused: 403'); } });
    await failing.handle(decision);
    await failing.handle(failing.approval('ap-f'));
    const again = await failing.handle(revised('d-4'));
    expect(again.emit.map((e) => e.type)).toEqual(['soc.containment.requested.v2']);
    expect(await failing.requests.get(requestId)).toMatchObject({ status: 'pending-approval', actionId: 'act-block-d-4' });
  });

  it('a decision only records a pending request; nothing runs', async () => {
    let ran = 0;
    const { handle, requests } = setup({ isDryRun: () => true, execute: async () => `ran ${++ran}` });
    const out = await handle(decision);
    expect(out.emit.map((e) => e.type)).toEqual(['soc.containment.requested.v2']);
    expect(out.emit[0]!.data).toMatchObject({ requestId, status: 'pending-approval', expiresAt: '2026-11-23T11:00:00.000Z' });
    expect(parseEvent(JSON.parse(JSON.stringify(out.emit[0]))).ok).toBe(true);
    expect((await requests.get(requestId))?.status).toBe('pending-approval');
    expect(ran).toBe(0);
  });

  it('an approval runs the runbook once, records the audit trail, and a redelivery re-announces without re-running', async () => {
    let ran = 0;
    const { handle, requests, approval } = setup({ isDryRun: () => true, execute: async (r: ContainmentRequest) => `blocked ${r.target.value} (${++ran})` });
    await handle(decision);
    const first = await handle(approval('ap-1'));
    expect(first.emit[0]).toMatchObject({ type: 'soc.containment.executed.v2', data: { approvedBy: 'alice@contoso.com', dryRun: true, result: 'blocked 185.220.101.4 (1)' } });
    const again = await handle(approval('ap-1'));
    expect(again.emit).toEqual(first.emit);
    expect(ran).toBe(1);
    const stored = await requests.get(requestId);
    expect(stored).toMatchObject({ status: 'executed', decidedBy: 'alice@contoso.com', comment: 'confirmed C2', changeRef: 'CRQ-1' });
  });

  it('the embedded default is a dry run that says what it would do', async () => {
    const { handle, approval } = setup();
    await handle(decision);
    const out = await handle(approval('ap-2'));
    expect(out.emit[0]!.data).toMatchObject({ dryRun: true });
    expect((out.emit[0]!.data as { result: string }).result).toMatch(/^DRY RUN: would add a blocking Defender for Endpoint indicator for 185\.220\.101\.4/);
  });

  it('a denial closes the request and a later approval does nothing', async () => {
    const { handle, requests, approval } = setup();
    await handle(decision);
    await handle(createEvent(ContainmentDeniedV1, { requestId, alertId: 'alt-c', approver: 'bob', decidedAt: '2026-11-23T10:01:00.000Z', comment: 'scanner' }, { ...env, id: 'dn-1' }));
    expect((await requests.get(requestId))?.status).toBe('denied');
    expect((await handle(approval('ap-3'))).emit).toEqual([]);
  });

  it('an approval after expiry fails with a reason instead of running', async () => {
    const { handle, clock, approval } = setup();
    await handle(decision);
    clock.advance(2 * 60 * 60_000);
    const out = await handle(approval('ap-4'));
    expect(out.emit[0]).toMatchObject({ type: 'soc.containment.failed.v2' });
    expect((out.emit[0]!.data as { error: string }).error).toMatch(/after the request expired/);
  });

  it('a failing runbook is recorded as failed with the error', async () => {
    const { handle, requests, approval } = setup({ isDryRun: () => false, execute: async () => { throw new Error('firewall API refused: 403'); } });
    await handle(decision);
    const out = await handle(approval('ap-5'));
    expect(out.emit[0]).toMatchObject({ type: 'soc.containment.failed.v2' });
    expect(await requests.get(requestId)).toMatchObject({ status: 'failed', result: 'Error: firewall API refused: 403' });
  });

  it('a redelivered decision creates no second request', async () => {
    const { handle } = setup();
    const a = await handle(decision);
    const b = await handle(decision);
    expect(b.emit).toEqual(a.emit);
  });
});
