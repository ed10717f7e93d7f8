import { describe, expect, it } from 'vitest';
import { ContainmentApprovedV2, ContainmentCheckDueV1, ContainmentUndoDecidedV1, ContainmentUndoRequestedV1, type SocEvent, createEvent } from '@soc/contracts';
import { SAMPLE_ENTITIES, sampleAlert } from '@soc/contracts/testing';
import { AppError, ErrorCode } from '@soc/runtime';
import { requestIdFor, verifyScheduleOf } from '../src/handler.ts';
import type { ContainmentRequest, RunbookVerification } from '../src/ports.ts';
import { ENV as env, decisionFor, executor, setupContainment } from './support/index.ts';

/**
 * Issue 14: the request state machine drives a real execution's check and its undo. A real (not dry-run) execution
 * is verified; while the API reports it pending, containment schedules its own re-check (check-due with deliverat);
 * an undo needs its own approval by someone other than who asked, runs once, and a redelivery only re-announces it.
 */
const alert = sampleAlert({ alertId: 'alt-v', entities: [SAMPLE_ENTITIES.externalIp] });
const decision = decisionFor(alert, { actionId: 'act-v', runbook: 'block-ip', target: { entityId: 'ip:185.220.101.4', type: 'ip', value: '185.220.101.4' } });
const requestId = requestIdFor('alt-v', 'block-ip', 'ip:185.220.101.4');

function setup(verify: (r: ContainmentRequest) => Promise<RunbookVerification>, extra: { execute?: () => Promise<unknown>; undo?: (r: ContainmentRequest) => Promise<string> } = {}) {
  const calls = { execute: 0, verify: 0, undo: 0 };
  const system = setupContainment({
    runbooks: executor({
      isDryRun: () => false,
      execute: async () => {
        calls.execute++;
        if (extra.execute) await extra.execute();
        return { summary: 'blocked', effect: { indicatorId: '995' } };
      },
      verify: async (r) => (calls.verify++, verify(r)),
      undo: async (r) => (calls.undo++, extra.undo ? extra.undo(r) : 'deleted indicator 995'),
    }),
    verifySchedule: verifyScheduleOf(30, 3),
    // The default caps: one containment per target per hour (a deferred request's own start must not count).
    limits: { perTargetPerHour: 1, perTenantPerHour: 20 },
  });
  let bindingHash = '';
  const handle = async (e: SocEvent) => {
    const out = await system.handle(e);
    for (const o of out.emit) if (o.type === 'soc.containment.requested.v2') bindingHash = o.data.bindingHash ?? '';
    return out;
  };
  const approval = (id: string) =>
    createEvent(ContainmentApprovedV2, { requestId, alertId: 'alt-v', approver: 'alice@contoso.com', decidedAt: '2026-11-23T10:05:00.000Z', comment: 'C2', bindingHash }, { ...env, id });
  const undoAsked = (id: string, by = 'carol@contoso.com') =>
    createEvent(ContainmentUndoRequestedV1, { requestId, alertId: 'alt-v', requestedBy: by, requestedAt: '2026-11-23T11:00:00.000Z', reason: 'false positive after all' }, { ...env, id });
  const undoDecided = (id: string, approver: string, hash: string, decision: 'approved' | 'denied' = 'approved') =>
    createEvent(ContainmentUndoDecidedV1, { requestId, alertId: 'alt-v', decision, approver, decidedAt: '2026-11-23T11:05:00.000Z', comment: 'ok', bindingHash: hash }, { ...env, id });
  return { ...system, handle, approval, undoAsked, undoDecided, calls };
}

const types = (out: { emit?: readonly SocEvent[] }) => (out.emit ?? []).map((e) => e.type);

describe('a real execution is verified (issue 14)', () => {
  it('in effect at once: executed, then verified, done; the effect the runbook named is on the request and its event', async () => {
    const s = setup(async (r) => ({ outcome: 'in-effect', finding: `indicator ${r.effect?.indicatorId} present` }));
    await s.handle(decision);
    const out = await s.handle(s.approval('ap-1'));
    expect(types(out)).toEqual(['soc.containment.executed.v2', 'soc.containment.verified.v1']);
    expect(out.emit[0]!.data).toMatchObject({ dryRun: false, effect: { indicatorId: '995' } });
    expect(out.emit[1]!.data).toMatchObject({ outcome: 'in-effect', finding: 'indicator 995 present' });
    expect(await s.requests.get(requestId)).toMatchObject({ status: 'done', effect: { indicatorId: '995' }, verification: 'indicator 995 present' });
    expect(s.audit.kinds()).toEqual(expect.arrayContaining(['containment.executed', 'containment.verification-started', 'containment.verified']));
    // The approval delivered again re-announces the same events (same ids) and runs nothing.
    const again = await s.handle(s.approval('ap-1'));
    expect(again.emit.map((e) => e.id)).toEqual(out.emit.map((e) => e.id));
    expect(s.calls).toMatchObject({ execute: 1, verify: 1 });
  });

  it('still pending: containment schedules its own re-check with deliverat, and records the outcome when it comes', async () => {
    const answers: RunbookVerification[] = [{ outcome: 'not-yet', finding: 'Pending' }, { outcome: 'in-effect', finding: 'Succeeded' }];
    const s = setup(async () => answers.shift()!);
    await s.handle(decision);
    const out = await s.handle(s.approval('ap-2'));
    expect(types(out)).toEqual(['soc.containment.executed.v2', 'soc.containment.check-due.v1']);
    const due = out.emit[1]! as Extract<SocEvent, { type: 'soc.containment.check-due.v1' }>;
    expect(due.data).toEqual({ requestId, alertId: 'alt-v', attempt: 2 });
    expect(Date.parse(due.deliverat!) - s.clock.now().getTime()).toBe(30_000);
    expect((await s.requests.get(requestId))?.status).toBe('verifying');
    const checked = await s.handle(due);
    expect(types(checked)).toEqual(['soc.containment.verified.v1']);
    expect((await s.requests.get(requestId))?.status).toBe('done');
    // A timer delivered again after the outcome does nothing.
    expect(types(await s.handle(due))).toEqual([]);
  });

  it('never in effect within the checks: the request fails with what the API said; a passing error is only a later check', async () => {
    const s = setup(async () => {
      throw new AppError(ErrorCode.RATE_LIMITED, 'Defender answered 429', { retryable: true });
    });
    await s.handle(decision);
    let out = await s.handle(s.approval('ap-3'));
    for (let attempt = 2; attempt <= 3; attempt++) {
      const due = out.emit.find((e) => e.type === 'soc.containment.check-due.v1')!;
      expect(due.data).toMatchObject({ attempt });
      out = await s.handle(due);
    }
    expect(types(out)).toEqual(['soc.containment.verified.v1', 'soc.containment.failed.v2']);
    expect(out.emit[0]!.data).toMatchObject({ outcome: 'not-in-effect', finding: expect.stringMatching(/^not in effect after 3 checks: could not check yet: .*429/) });
    expect(await s.requests.get(requestId)).toMatchObject({ status: 'failed' });
    // A check-due built by hand for a later attempt finds nothing to check.
    const late = createEvent(ContainmentCheckDueV1, { requestId, alertId: 'alt-v', attempt: 4 }, { ...env, id: 'late' });
    expect(types(await s.handle(late))).toEqual([]);
  });

  it('a dry run is never verified', async () => {
    const s = setupContainment();
    const out = await s.handle(decision);
    const hash = (out.emit[0]!.data as { bindingHash: string }).bindingHash;
    const approved = await s.handle(createEvent(ContainmentApprovedV2, { requestId, alertId: 'alt-v', approver: 'alice', decidedAt: '2026-11-23T10:05:00.000Z', comment: '', bindingHash: hash }, { ...env, id: 'ap-d' }));
    expect(types(approved)).toEqual(['soc.containment.executed.v2']);
    expect((await s.requests.get(requestId))?.status).toBe('executed');
  });

  it('a 429 at execution defers the request (approved again) and throws for the bus to retry; the retry runs it once', async () => {
    let first = true;
    const s = setup(async () => ({ outcome: 'in-effect', finding: 'ok' }), {
      execute: async () => {
        if (first) {
          first = false;
          throw new AppError(ErrorCode.RATE_LIMITED, 'Defender answered 429', { retryable: true, details: { retryAfterSeconds: 20 } });
        }
      },
    });
    await s.handle(decision);
    await expect(s.handle(s.approval('ap-4'))).rejects.toThrow(/429/);
    expect(await s.requests.get(requestId)).toMatchObject({ status: 'approved', result: expect.stringMatching(/^deferred: .*429/) });
    const retried = await s.handle(s.approval('ap-4'));
    expect(types(retried)).toEqual(['soc.containment.executed.v2', 'soc.containment.verified.v1']);
    expect(s.calls.execute).toBe(2);
  });
});

describe('the undo of a done action (issue 14)', () => {
  const done = async () => {
    const s = setup(async () => ({ outcome: 'in-effect', finding: 'present' }));
    await s.handle(decision);
    await s.handle(s.approval('ap-u'));
    return s;
  };

  it('is asked, then approved by someone else quoting the undo hash; it runs once and a redelivery only re-announces it', async () => {
    const s = await done();
    expect(types(await s.handle(s.undoAsked('u-1')))).toEqual([]);
    const asked = await s.requests.get(requestId);
    expect(asked).toMatchObject({ status: 'undo-pending-approval', undo: { requestedBy: 'carol@contoso.com' } });
    const hash = asked!.undo!.bindingHash;
    // The one who asked cannot approve; the action's own hash is not the undo's.
    expect(types(await s.handle(s.undoDecided('ud-0', 'carol@contoso.com', hash)))).toEqual([]);
    expect(types(await s.handle(s.undoDecided('ud-1', 'bob@contoso.com', asked!.bindingHash)))).toEqual([]);
    expect((await s.requests.get(requestId))?.status).toBe('undo-pending-approval');
    expect(s.audit.kinds()).toEqual(expect.arrayContaining(['containment.approve-undo-refused']));
    const out = await s.handle(s.undoDecided('ud-2', 'bob@contoso.com', hash));
    expect(types(out)).toEqual(['soc.containment.undone.v1']);
    expect(out.emit[0]!.data).toMatchObject({ outcome: 'undone', approvedBy: 'bob@contoso.com', result: 'deleted indicator 995' });
    expect((await s.requests.get(requestId))?.status).toBe('undone');
    const again = await s.handle(s.undoDecided('ud-2', 'bob@contoso.com', hash));
    expect(again.emit.map((e) => e.id)).toEqual(out.emit.map((e) => e.id));
    expect(s.calls.undo).toBe(1);
  });

  it('a denied undo leaves the action done; a frozen containment refuses the undo before it runs', async () => {
    const s = await done();
    await s.handle(s.undoAsked('u-2'));
    const hash = (await s.requests.get(requestId))!.undo!.bindingHash;
    await s.handle(s.undoDecided('ud-3', 'bob@contoso.com', hash, 'denied'));
    expect(await s.requests.get(requestId)).toMatchObject({ status: 'done', undo: { result: 'denied: ok' } });
    await s.handle(s.undoAsked('u-3'));
    const again = (await s.requests.get(requestId))!.undo!.bindingHash;
    await s.freeze.set({ frozen: true, by: 'root', at: '2026-11-23T11:04:00.000Z', reason: 'incident bridge' });
    expect(types(await s.handle(s.undoDecided('ud-4', 'bob@contoso.com', again)))).toEqual([]);
    expect((await s.requests.get(requestId))?.status).toBe('undo-pending-approval');
    expect(s.calls.undo).toBe(0);
  });

  it('a failed undo is recorded with its reason and may be asked again', async () => {
    const s = setup(async () => ({ outcome: 'in-effect', finding: 'present' }), {
      undo: async () => {
        throw new AppError(ErrorCode.FORBIDDEN, 'Defender answered 403: Ti.ReadWrite.All missing', { retryable: false });
      },
    });
    await s.handle(decision);
    await s.handle(s.approval('ap-f'));
    await s.handle(s.undoAsked('u-4'));
    const hash = (await s.requests.get(requestId))!.undo!.bindingHash;
    const out = await s.handle(s.undoDecided('ud-5', 'bob@contoso.com', hash));
    expect(out.emit[0]!.data).toMatchObject({ outcome: 'undo-failed', result: expect.stringContaining('403') });
    await s.handle(s.undoAsked('u-5'));
    expect((await s.requests.get(requestId))?.status).toBe('undo-pending-approval');
  });
});

describe('the plan the approver sees (issue 14: a dry run says exactly what would change)', () => {
  it('is recorded on the pending request from the runbook\'s dry run; a failed lookup is recorded as what it said', async () => {
    for (const [plan, expected] of [
      [async () => 'would POST /api/indicators {"indicatorValue":"185.220.101.4"}', 'would POST /api/indicators {"indicatorValue":"185.220.101.4"}'],
      [async () => Promise.reject(new AppError(ErrorCode.NOT_FOUND, 'no Defender device is named ws-9', { retryable: false })), 'could not plan: AppError: no Defender device is named ws-9'],
    ] as const) {
      const s = setupContainment({ runbooks: executor({ isDryRun: () => false, plan, execute: async () => 'x' }) });
      const out = await s.handle(decision);
      expect(types(out)).toEqual(['soc.containment.requested.v2']);
      expect(await s.requests.get(requestId)).toMatchObject({ status: 'pending-approval', plan: expected });
      expect(s.audit.kinds()).toContain('containment.planned');
      // A redelivered decision plans nothing again.
      await s.handle(decision);
      expect(s.audit.kinds().filter((k) => k === 'containment.planned')).toHaveLength(1);
    }
  });
});

describe('an irreversible runbook whose execution made an undo available (a Logic App with an undo workflow)', () => {
  const logicAlert = sampleAlert({ alertId: 'alt-l', entities: [SAMPLE_ENTITIES.externalIp] });
  const target = { entityId: 'ip:185.220.101.4', type: 'ip', value: '185.220.101.4' };
  const logic = decisionFor(logicAlert, { actionId: 'act-l', runbook: 'block-ip', target });
  // The decision names run-logic-app (the fixture helper types the common runbooks only).
  const decisionOf = () => ({ ...logic, data: { ...logic.data, actions: logic.data.actions.map((a) => (a.kind === 'RunContainment' ? { ...a, runbook: 'run-logic-app' as const } : a)) } });
  const id = requestIdFor('alt-l', 'run-logic-app', 'ip:185.220.101.4');

  for (const [undo, expected] of [['available', 'undo-pending-approval'], [undefined, 'done']] as const) {
    it(`effect undo ${undo ?? 'absent'} → asking for the undo leaves the request ${expected}`, async () => {
      const s = setupContainment({
        runbooks: executor({ isDryRun: () => false, execute: async () => ({ summary: 'triggered', effect: { workflow: 'w', runId: 'r1', ...(undo ? { undo } : {}) } }) }),
      });
      const out = await s.handle(decisionOf());
      const hash = (out.emit[0]!.data as { bindingHash: string }).bindingHash;
      await s.handle(createEvent(ContainmentApprovedV2, { requestId: id, alertId: 'alt-l', approver: 'alice', decidedAt: '2026-11-23T10:05:00.000Z', comment: '', bindingHash: hash, confirmedIrreversible: true }, { ...env, id: 'ap-l' }));
      expect((await s.requests.get(id))?.status).toBe('done');
      await s.handle(createEvent(ContainmentUndoRequestedV1, { requestId: id, alertId: 'alt-l', requestedBy: 'carol', requestedAt: '2026-11-23T11:00:00.000Z', reason: 'rolled back' }, { ...env, id: `u-${undo ?? 'none'}` }));
      expect((await s.requests.get(id))?.status).toBe(expected);
    });
  }
});
