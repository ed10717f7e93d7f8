import { describe, expect, it } from 'vitest';
import {
  type ContainmentRequest,
  type RequestCommand,
  type RequestEvent,
  type RequestFacts,
  type RequestStatus,
  bindingHashOf,
  decide,
  evolve,
  fold,
  httpStatusOf,
  RUNBOOKS,
  statusAt,
  undoBindingHashOf,
} from '../src/index.ts';

const T0 = '2026-05-01T10:00:00.000Z';
const LATER = '2026-05-01T10:30:00.000Z';
const AFTER_EXPIRY = '2026-05-01T14:00:00.001Z';

function factsOf(overrides: Partial<RequestFacts> = {}): RequestFacts {
  const base = {
    requestId: 'cr-1',
    tenantId: 'contoso',
    alertId: 'alt-1',
    actionId: 'act-1',
    correlationId: 'corr-1',
    runbook: 'block-ip' as const,
    target: { entityId: 'ip:203.0.113.9', type: 'ip', value: '203.0.113.9' },
    arguments: {},
    reason: 'C2 beacon',
    sender: 'siem',
    approvalsRequired: 1 as const,
    requestedAt: T0,
    expiresAt: '2026-05-01T14:00:00.000Z',
    ...overrides,
  };
  return { ...base, bindingHash: bindingHashOf(base) };
}

const FACTS = factsOf();
const requested: RequestEvent = { kind: 'requested', at: T0, facts: FACTS };
const approval = (approver: string): RequestEvent => ({ kind: 'approval-recorded', at: LATER, approval: { approver, at: LATER, comment: '', bindingHash: FACTS.bindingHash } });

/** A real (not dry-run) execution, verifiable and then undoable. */
const REAL: RequestEvent[] = [requested, approval('alice'), { kind: 'approved', at: LATER, approver: 'alice' }, { kind: 'execution-started', at: LATER }, { kind: 'executed', at: LATER, result: 'ok', dryRun: false }];
const DONE: RequestEvent[] = [...REAL, { kind: 'verification-started', at: LATER }, { kind: 'verified', at: LATER, finding: 'isolated' }];
const UNDO_HASH = undoBindingHashOf(FACTS);
const UNDO_ASKED: RequestEvent[] = [...DONE, { kind: 'undo-requested', at: LATER, by: 'carol', reason: 'false positive', bindingHash: UNDO_HASH }];
const UNDOING: RequestEvent[] = [...UNDO_ASKED, { kind: 'undo-approval-recorded', at: LATER, approval: { approver: 'bob', at: LATER, comment: '', bindingHash: UNDO_HASH } }, { kind: 'undo-approved', at: LATER, approver: 'bob' }, { kind: 'undo-started', at: LATER }];

/** One stream per status, so every command is tried in every status. */
const STREAMS: Record<RequestStatus | 'none', RequestEvent[]> = {
  none: [],
  'pending-approval': [requested],
  approved: [requested, approval('alice'), { kind: 'approved', at: LATER, approver: 'alice' }],
  executing: [requested, approval('alice'), { kind: 'approved', at: LATER, approver: 'alice' }, { kind: 'execution-started', at: LATER }],
  executed: REAL,
  verifying: [...REAL, { kind: 'verification-started', at: LATER }],
  done: DONE,
  'undo-pending-approval': UNDO_ASKED,
  'undo-approved': [...UNDO_ASKED, { kind: 'undo-approval-recorded', at: LATER, approval: { approver: 'bob', at: LATER, comment: '', bindingHash: UNDO_HASH } }, { kind: 'undo-approved', at: LATER, approver: 'bob' }],
  undoing: UNDOING,
  undone: [...UNDOING, { kind: 'undone', at: LATER, result: 'released' }],
  'undo-failed': [...UNDOING, { kind: 'undo-failed', at: LATER, error: 'boom' }],
  failed: [requested, approval('alice'), { kind: 'approved', at: LATER, approver: 'alice' }, { kind: 'execution-started', at: LATER }, { kind: 'failed', at: LATER, error: 'boom' }],
  refused: [requested, approval('alice'), { kind: 'approved', at: LATER, approver: 'alice' }, { kind: 'refused', at: LATER, reason: 'cap' }],
  denied: [requested, { kind: 'denied', at: LATER, by: 'alice', comment: 'no' }],
  expired: [requested, { kind: 'expired', at: AFTER_EXPIRY }],
  voided: [requested, { kind: 'voided', at: LATER, by: 'root', reason: 'frozen' }],
};

const COMMANDS: Record<string, RequestCommand> = {
  request: { kind: 'request', at: LATER, facts: { ...FACTS, actionId: 'act-2' } },
  approve: { kind: 'approve', at: LATER, approver: 'bob', bindingHash: FACTS.bindingHash, comment: 'go' },
  deny: { kind: 'deny', at: LATER, approver: 'bob', comment: 'no' },
  expire: { kind: 'expire', at: AFTER_EXPIRY },
  void: { kind: 'void', at: LATER, by: 'root', reason: 'freeze' },
  refuse: { kind: 'refuse', at: LATER, reason: 'cap reached' },
  'start-execution': { kind: 'start-execution', at: LATER },
  'record-succeeded': { kind: 'record-result', at: LATER, outcome: 'succeeded', result: 'done', dryRun: true },
  'record-failed': { kind: 'record-result', at: LATER, outcome: 'failed', error: 'boom' },
  'start-verification': { kind: 'start-verification', at: LATER },
  'verify-in-effect': { kind: 'record-verification', at: LATER, outcome: 'in-effect', finding: 'isolated' },
  'verify-not-in-effect': { kind: 'record-verification', at: LATER, outcome: 'not-in-effect', finding: 'still online' },
  'verify-not-yet': { kind: 'record-verification', at: LATER, outcome: 'not-yet', finding: 'pending' },
  'request-undo': { kind: 'request-undo', at: LATER, by: 'carol', reason: 'false positive', reversible: true },
  'request-undo-irreversible': { kind: 'request-undo', at: LATER, by: 'carol', reason: 'false positive', reversible: false },
  'approve-undo': { kind: 'approve-undo', at: LATER, approver: 'bob', bindingHash: UNDO_HASH, comment: 'release' },
  'deny-undo': { kind: 'deny-undo', at: LATER, approver: 'bob', comment: 'keep it isolated' },
  'start-undo': { kind: 'start-undo', at: LATER },
  'undo-succeeded': { kind: 'record-undo-result', at: LATER, outcome: 'succeeded', result: 'released' },
  'undo-failed': { kind: 'record-undo-result', at: LATER, outcome: 'failed', error: 'boom' },
  'defer-execution': { kind: 'defer-execution', at: LATER, reason: '429, retry after 30 s' },
  'defer-undo': { kind: 'defer-undo', at: LATER, reason: '503' },
  'refuse-undo': { kind: 'refuse-undo', at: LATER, reason: 'frozen' },
  'record-plan': { kind: 'record-plan', at: LATER, plan: 'would POST /api/indicators' },
};

/** Expected answer per status and command: the kinds recorded, or the rejection code. */
const EXPECTED: Record<RequestStatus | 'none', Record<keyof typeof COMMANDS, string>> = {
  none: { request: 'requested', approve: '!unknown-request', deny: '!unknown-request', expire: '!unknown-request', void: '!unknown-request', refuse: '!unknown-request', 'start-execution': '!unknown-request', 'record-succeeded': '!unknown-request', 'record-failed': '!unknown-request', 'start-verification': '!unknown-request', 'verify-in-effect': '!unknown-request', 'verify-not-in-effect': '!unknown-request', 'verify-not-yet': '!unknown-request', 'request-undo': '!unknown-request', 'request-undo-irreversible': '!unknown-request', 'approve-undo': '!unknown-request', 'deny-undo': '!unknown-request', 'start-undo': '!unknown-request', 'undo-succeeded': '!unknown-request', 'undo-failed': '!unknown-request', 'defer-execution': '!unknown-request', 'defer-undo': '!unknown-request', 'refuse-undo': '!unknown-request', 'record-plan': '!unknown-request' },
  'pending-approval': { request: '!already-requested', approve: 'approval-recorded+approved', deny: 'denied', expire: 'expired', void: 'voided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': 'planned' },
  approved: { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: 'voided', refuse: 'refused', 'start-execution': 'execution-started', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  executing: { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': 'executed', 'record-failed': 'failed', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': 'execution-deferred', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  executed: { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': 'verification-started', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  verifying: { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': 'verified', 'verify-not-in-effect': 'verification-failed', 'verify-not-yet': '', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  done: { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': 'undo-requested', 'request-undo-irreversible': '!not-reversible', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  failed: { request: 'requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  refused: { request: 'requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  denied: { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  expired: { request: 'requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  voided: { request: 'requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  'undo-pending-approval': { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': 'undo-approval-recorded+undo-approved', 'deny-undo': 'undo-denied', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  'undo-approved': { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': 'undo-started', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': 'undo-refused', 'record-plan': '!already-decided' },
  undoing: { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': 'undone', 'undo-failed': 'undo-failed', 'defer-execution': '!not-executing', 'defer-undo': 'undo-deferred', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  undone: { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': '!not-done', 'request-undo-irreversible': '!not-done', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
  'undo-failed': { request: '!already-requested', approve: '!already-decided', deny: '!already-decided', expire: '!already-decided', void: '!already-decided', refuse: '!not-approved', 'start-execution': '!not-approved', 'record-succeeded': '!not-executing', 'record-failed': '!not-executing', 'start-verification': '!not-verifiable', 'verify-in-effect': '!not-verifiable', 'verify-not-in-effect': '!not-verifiable', 'verify-not-yet': '!not-verifiable', 'request-undo': 'undo-requested', 'request-undo-irreversible': '!not-reversible', 'approve-undo': '!undo-not-pending', 'deny-undo': '!undo-not-pending', 'start-undo': '!undo-not-approved', 'undo-succeeded': '!not-undoing', 'undo-failed': '!not-undoing', 'defer-execution': '!not-executing', 'defer-undo': '!not-undoing', 'refuse-undo': '!undo-not-approved', 'record-plan': '!already-decided' },
};

const answer = (state: ContainmentRequest | undefined, command: RequestCommand) => {
  const d = decide(state, command);
  return d.ok ? d.events.map((e) => e.kind).join('+') : `!${d.rejection.code}`;
};

describe('the request decider', () => {
  const cases = Object.entries(EXPECTED).flatMap(([status, row]) => Object.entries(row).map(([command, expected]) => ({ status, command, expected })));
  it.each(cases)('$status + $command → $expected', ({ status, command, expected }) => {
    const state = fold(STREAMS[status as RequestStatus | 'none']);
    expect(state?.status ?? 'none').toBe(status);
    expect(answer(state, COMMANDS[command]!)).toBe(expected);
  });

  it('evolves every recorded event into the status it names, and the decided events into the next state', () => {
    for (const [status, events] of Object.entries(STREAMS)) expect(fold(events)?.status ?? 'none').toBe(status);
    const pending = fold(STREAMS['pending-approval']);
    const d = decide(pending, COMMANDS.approve!);
    if (!d.ok) throw new Error(d.rejection.detail);
    expect(d.events.reduce(evolve, pending)).toMatchObject({ status: 'approved', decidedBy: 'bob', comment: 'go', approvals: [{ approver: 'bob' }] });
  });

  it('refuses an approval past the expiry (410) while recording nothing, and expire is not due before it', () => {
    const pending = fold(STREAMS['pending-approval']);
    expect(answer(pending, { ...COMMANDS.approve!, at: AFTER_EXPIRY } as RequestCommand)).toBe('!expired');
    expect(answer(pending, { kind: 'deny', at: AFTER_EXPIRY, approver: 'bob', comment: '' })).toBe('!expired');
    expect(answer(pending, { kind: 'expire', at: FACTS.expiresAt })).toBe('!not-due');
    expect(httpStatusOf('expired')).toBe(410);
    expect(statusAt(pending!, AFTER_EXPIRY)).toBe('expired');
    expect(statusAt(pending!, LATER)).toBe('pending-approval');
  });

  it('binds an approval to the hash of what was shown', () => {
    const pending = fold(STREAMS['pending-approval']);
    const other = bindingHashOf({ ...FACTS, target: { ...FACTS.target, value: '203.0.113.10' } });
    expect(other).not.toBe(FACTS.bindingHash);
    expect(answer(pending, { ...COMMANDS.approve!, bindingHash: other } as RequestCommand)).toBe('!binding-mismatch');
    expect(httpStatusOf('binding-mismatch')).toBe(409);
  });

  it('changes the hash with every bound field and never with key order', () => {
    const base = { requestId: 'cr-1', runbook: 'block-ip' as const, target: { entityId: 'ip:1', type: 'ip', value: '1.2.3.4' }, arguments: {}, tenantId: 'a' };
    const h = bindingHashOf(base);
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(bindingHashOf({ tenantId: 'a', arguments: {}, target: { value: '1.2.3.4', type: 'ip', entityId: 'ip:1' }, runbook: 'block-ip', requestId: 'cr-1' })).toBe(h);
    for (const changed of [
      { ...base, requestId: 'cr-2' },
      { ...base, runbook: 'block-url' as const },
      { ...base, target: { ...base.target, entityId: 'ip:2' } },
      { ...base, target: { ...base.target, type: 'host' } },
      { ...base, arguments: { duration: '1h' } },
      { ...base, tenantId: 'b' },
    ]) expect(bindingHashOf(changed)).not.toBe(h);
  });

  it('refuses the alert sender as approver or denier (403)', () => {
    const pending = fold(STREAMS['pending-approval']);
    expect(answer(pending, { ...COMMANDS.approve!, approver: 'siem' } as RequestCommand)).toBe('!sender-cannot-approve');
    expect(answer(pending, { kind: 'deny', at: LATER, approver: 'siem', comment: '' })).toBe('!sender-cannot-approve');
    expect(httpStatusOf('sender-cannot-approve')).toBe(403);
    const unknownSender = fold([{ kind: 'requested', at: T0, facts: { ...FACTS, sender: null } }]);
    expect(answer(unknownSender, { ...COMMANDS.approve!, approver: 'siem' } as RequestCommand)).toBe('approval-recorded+approved');
  });

  it('needs two different approvers for a four-eyes runbook', () => {
    let state = fold([{ kind: 'requested', at: T0, facts: { ...FACTS, approvalsRequired: 2 } }]);
    const first = decide(state, { ...COMMANDS.approve!, approver: 'alice' } as RequestCommand);
    if (!first.ok) throw new Error(first.rejection.detail);
    expect(first.events.map((e) => e.kind)).toEqual(['approval-recorded']);
    state = first.events.reduce(evolve, state);
    expect(state?.status).toBe('pending-approval');
    expect(answer(state, { ...COMMANDS.approve!, approver: 'alice' } as RequestCommand)).toBe('!same-approver-twice');
    expect(answer(state, { ...COMMANDS.approve!, approver: 'bob' } as RequestCommand)).toBe('approval-recorded+approved');
  });

  it('asks again for a spent request only for a later decision, not for a redelivery of the one that asked', () => {
    const expired = fold(STREAMS.expired);
    expect(answer(expired, { kind: 'request', at: LATER, facts: FACTS })).toBe('!already-requested');
    expect(answer(expired, { kind: 'request', at: LATER, facts: { ...FACTS, actionId: 'act-2' } })).toBe('requested');
    const unanswered = fold(STREAMS['pending-approval']);
    expect(answer(unanswered, { kind: 'request', at: AFTER_EXPIRY, facts: { ...FACTS, actionId: 'act-2' } })).toBe('expired+requested');
  });

  it('refuses approvals while frozen and voids a request asked for while frozen', () => {
    const pending = fold(STREAMS['pending-approval']);
    expect(answer(pending, { ...COMMANDS.approve!, frozen: true } as RequestCommand)).toBe('!frozen');
    expect(answer(undefined, { kind: 'request', at: T0, facts: FACTS, frozen: { by: 'root', reason: 'incident' } })).toBe('requested+voided');
  });
});

describe('verify and undo (issue 14)', () => {
  it('a dry run has nothing to verify; a real execution is done only once the change is found in effect', () => {
    const dry = fold([...REAL.slice(0, -1), { kind: 'executed', at: LATER, result: 'DRY RUN', dryRun: true }]);
    expect(decide(dry, { kind: 'start-verification', at: LATER })).toMatchObject({ ok: false, rejection: { code: 'not-verifiable', detail: 'A dry run changed nothing to verify.' } });
    const verifying = fold([...REAL, { kind: 'verification-started', at: LATER }]);
    expect(decide(verifying, { kind: 'record-verification', at: LATER, outcome: 'not-yet', finding: 'Pending' })).toEqual({ ok: true, events: [] });
    const failed = fold([...REAL, { kind: 'verification-started', at: LATER }, { kind: 'verification-failed', at: LATER, finding: 'machine action Failed' }]);
    expect(failed).toMatchObject({ status: 'failed', verification: 'machine action Failed', result: 'executed, but the change is not in effect: machine action Failed' });
    expect(fold(DONE)).toMatchObject({ status: 'done', verifiedAt: LATER, verification: 'isolated' });
  });

  it('an undo is bound to its own hash: the action\'s approval hash does not approve its undo, nor another request\'s undo', () => {
    expect(UNDO_HASH).toMatch(/^[0-9a-f]{64}$/);
    expect(UNDO_HASH).not.toBe(FACTS.bindingHash);
    expect(undoBindingHashOf({ ...FACTS, requestId: 'cr-2' })).not.toBe(UNDO_HASH);
    const asked = fold(UNDO_ASKED);
    expect(answer(asked, { kind: 'approve-undo', at: LATER, approver: 'bob', bindingHash: FACTS.bindingHash, comment: '' })).toBe('!binding-mismatch');
  });

  it('whoever asked for the undo, or sent the alert, is not its check; a four-eyes runbook needs two other approvers', () => {
    const asked = fold(UNDO_ASKED);
    expect(answer(asked, { kind: 'approve-undo', at: LATER, approver: 'Carol', bindingHash: UNDO_HASH, comment: '' })).toBe('!same-approver-twice');
    expect(answer(asked, { kind: 'approve-undo', at: LATER, approver: 'siem', bindingHash: UNDO_HASH, comment: '' })).toBe('!sender-cannot-approve');
    expect(answer(asked, { kind: 'deny-undo', at: LATER, approver: 'siem', comment: '' })).toBe('!sender-cannot-approve');
    const fourEyes = fold(UNDO_ASKED.map((e) => (e.kind === 'requested' ? { ...e, facts: { ...e.facts, approvalsRequired: 2 as const } } : e)));
    const first = decide(fourEyes, { kind: 'approve-undo', at: LATER, approver: 'bob', bindingHash: UNDO_HASH, comment: '' });
    if (!first.ok) throw new Error(first.rejection.detail);
    expect(first.events.map((e) => e.kind)).toEqual(['undo-approval-recorded']);
    const once = first.events.reduce(evolve, fourEyes);
    expect(answer(once, { kind: 'approve-undo', at: LATER, approver: 'bob', bindingHash: UNDO_HASH, comment: '' })).toBe('!same-approver-twice');
    expect(answer(once, { kind: 'approve-undo', at: LATER, approver: 'dave', bindingHash: UNDO_HASH, comment: '' })).toBe('undo-approval-recorded+undo-approved');
  });

  it('a freeze stops an undo being asked or approved; a denied undo leaves the action done, saying why', () => {
    expect(answer(fold(DONE), { kind: 'request-undo', at: LATER, by: 'carol', reason: '', reversible: true, frozen: true })).toBe('!frozen');
    expect(answer(fold(UNDO_ASKED), { kind: 'approve-undo', at: LATER, approver: 'bob', bindingHash: UNDO_HASH, comment: '', frozen: true })).toBe('!frozen');
    const denied = fold([...UNDO_ASKED, { kind: 'undo-denied', at: LATER, by: 'bob', comment: 'keep it isolated' }]);
    expect(denied).toMatchObject({ status: 'done', undo: { requestedBy: 'carol', decidedBy: 'bob', result: 'denied: keep it isolated' } });
    // Asked again after a denial: a new undo request.
    expect(answer(denied, { kind: 'request-undo', at: LATER, by: 'carol', reason: 'really', reversible: true })).toBe('undo-requested');
  });
});

describe('runbooks that cannot be (fully) undone (issue 14)', () => {
  it('need the approver\'s explicit confirmation of what cannot be undone; a reversible one does not', () => {
    for (const runbook of ['rotate-secret', 'revoke-sessions', 'rotate-storage-keys', 'disable-user', 'run-logic-app'] as const) {
      const pending = fold([{ kind: 'requested', at: T0, facts: factsOf({ runbook }) }]);
      const approve = { kind: 'approve', at: LATER, approver: 'bob', bindingHash: pending!.bindingHash, comment: 'go' } as const;
      const refused = decide(pending, approve);
      expect(refused.ok ? 'accepted' : refused.rejection.code, runbook).toBe('confirmation-required');
      if (!refused.ok) expect(refused.rejection.detail).toContain(RUNBOOKS[runbook].cannotBeUndone!);
      expect(answer(pending, { ...approve, confirmedIrreversible: true }), runbook).toBe('approval-recorded+approved');
    }
    expect(httpStatusOf('confirmation-required')).toBe(422);
    const reversible = fold([{ kind: 'requested', at: T0, facts: factsOf({ runbook: 'isolate-host' }) }]);
    expect(answer(reversible, { kind: 'approve', at: LATER, approver: 'bob', bindingHash: reversible!.bindingHash, comment: 'go' })).toBe('approval-recorded+approved');
  });

  it('a deferred execution is approved again (to run after the wait); a refused undo leaves the action done', () => {
    expect(fold([...STREAMS.executing, { kind: 'execution-deferred', at: LATER, reason: '429' }])).toMatchObject({ status: 'approved', result: 'deferred: 429' });
    expect(fold([...STREAMS['undo-approved'], { kind: 'undo-refused', at: LATER, reason: 'frozen' }])).toMatchObject({ status: 'done', undo: { result: 'refused: frozen' } });
    expect(fold([...STREAMS.undoing, { kind: 'undo-deferred', at: LATER, reason: '503' }])?.status).toBe('undo-approved');
  });
});
