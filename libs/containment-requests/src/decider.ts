import { hash } from 'node:crypto';
import type { Alert, ContainmentRunbook, Enrichment } from '@soc/contracts';
import { RUNBOOKS } from './runbooks.ts';

/**
 * Where a request stands. Nothing runs before `approved`; `executing` is recorded before the runbook is called, so a
 * request found `executing` after a crash is never run again. Terminal: `executed`, `failed`, `refused` (the
 * pre-execution re-check said no), `denied`, `expired`, `voided` (a freeze). A real (not dry-run) execution is then
 * verified — `executed` → `verifying` → `done`, or `failed` when the change did not take effect — and a done,
 * reversible action may be undone, with its own approval: `done` → `undo-pending-approval` → `undo-approved` →
 * `undoing` → `undone` | `undo-failed`; a denied undo leaves it `done`.
 */
export type RequestStatus =
  | 'pending-approval'
  | 'approved'
  | 'executing'
  | 'executed'
  | 'verifying'
  | 'done'
  | 'failed'
  | 'refused'
  | 'denied'
  | 'expired'
  | 'voided'
  | 'undo-pending-approval'
  | 'undo-approved'
  | 'undoing'
  | 'undone'
  | 'undo-failed';

/** An undo of a done action: who asked, why, and its own approvals (bound to {@link undoBindingHashOf}). */
export interface UndoRequest {
  requestedBy: string;
  requestedAt: string;
  reason: string;
  bindingHash: string;
  approvals: Approval[];
  decidedBy?: string;
  decidedAt?: string;
  /** What the undo did, or why it failed or was denied. */
  result?: string;
  finishedAt?: string;
}

/** A containment target as the request records it. */
export interface RequestTarget {
  entityId: string;
  type: string;
  value: string;
}

/** One approver's recorded approval. */
export interface Approval {
  approver: string;
  at: string;
  comment: string;
  changeRef?: string;
  /** The binding hash the approver quoted (equal to the request's, or the approval was refused). */
  bindingHash: string;
}

/** What a request is about: fixed when it is requested, and what the binding hash covers (with the tenant). */
export interface RequestFacts {
  requestId: string;
  tenantId: string;
  alertId: string;
  actionId: string;
  correlationId: string;
  runbook: ContainmentRunbook;
  target: RequestTarget;
  /** The runbook's arguments; none exist yet, the slot is part of the binding hash so adding some changes it. */
  arguments: Readonly<Record<string, string>>;
  reason: string;
  /** The principal that sent the alert; it may neither approve nor deny. Null when the alert did not record one. */
  sender: string | null;
  /** How many different principals must approve: 2 for a four-eyes runbook. */
  approvalsRequired: 1 | 2;
  requestedAt: string;
  expiresAt: string;
  /** SHA-256 over the canonical JSON of what the approver is shown ({@link bindingHashOf}). */
  bindingHash: string;
  /**
   * The alert and enrichment the decision checked the containment against: the pre-execution re-check runs the same
   * guardrail on them under the policy in force. Not part of the binding hash (the approver approves the runbook,
   * target and arguments). Absent on requests asked before it was recorded: they are refused at execution.
   */
  decidedOn?: { alert: Alert; enrichment: Enrichment };
}

/** A containment request: the fold of its events. */
export interface ContainmentRequest extends RequestFacts {
  status: RequestStatus;
  approvals: Approval[];
  /** The principal who closed the decision (the last approver, the denier, the administrator who froze). */
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
  changeRef?: string;
  executionStartedAt?: string;
  /** The runbook's result (executed) or why it did not run or complete (failed, refused, voided, expired). */
  result?: string;
  dryRun?: boolean;
  /** What a real execution changed, as the runbook's API named it (machine and action ids, an indicator id): what verify and undo read. */
  effect?: Readonly<Record<string, string>>;
  finishedAt?: string;
  /**
   * What the runbook would change, from its dry run against the real API (read-only lookups), recorded when the
   * request is asked so the approver sees it; absent when the runbook runs as the embedded dry run.
   */
  plan?: string;
  /** When the change was checked and found in effect (`done`), or what the check found instead. */
  verifiedAt?: string;
  verification?: string;
  /** The latest undo asked of the action, when one was. */
  undo?: UndoRequest;
}

/** What happened to a request; each is written once, in order, and the request is their fold. */
export type RequestEvent =
  | { kind: 'requested'; at: string; facts: RequestFacts }
  | { kind: 'approval-recorded'; at: string; approval: Approval }
  | { kind: 'planned'; at: string; plan: string }
  | { kind: 'approved'; at: string; approver: string }
  | { kind: 'denied'; at: string; by: string; comment: string }
  | { kind: 'expired'; at: string }
  | { kind: 'voided'; at: string; by: string; reason: string }
  | { kind: 'refused'; at: string; reason: string }
  | { kind: 'execution-started'; at: string }
  /** The API answered "later" (429, 5xx) before the runbook could act: back to approved, to run again after the wait. */
  | { kind: 'execution-deferred'; at: string; reason: string }
  | { kind: 'executed'; at: string; result: string; dryRun: boolean; effect?: Readonly<Record<string, string>> }
  | { kind: 'failed'; at: string; error: string }
  | { kind: 'verification-started'; at: string }
  | { kind: 'verified'; at: string; finding: string }
  | { kind: 'verification-failed'; at: string; finding: string }
  | { kind: 'undo-requested'; at: string; by: string; reason: string; bindingHash: string }
  | { kind: 'undo-approval-recorded'; at: string; approval: Approval }
  | { kind: 'undo-approved'; at: string; approver: string }
  | { kind: 'undo-denied'; at: string; by: string; comment: string }
  | { kind: 'undo-started'; at: string }
  | { kind: 'undo-deferred'; at: string; reason: string }
  /** An approved undo stopped before it ran (a freeze): the action stays done. */
  | { kind: 'undo-refused'; at: string; reason: string }
  | { kind: 'undone'; at: string; result: string }
  | { kind: 'undo-failed'; at: string; error: string };

/** What may be asked of a request. `at` is the command's time: the decider never reads a clock. */
export type RequestCommand =
  | { kind: 'request'; at: string; facts: RequestFacts; frozen?: { by: string; reason: string } | undefined }
  /** `confirmedIrreversible`: the approver confirmed what cannot be undone (required when the runbook says so). */
  | { kind: 'approve'; at: string; approver: string; bindingHash: string; comment: string; changeRef?: string | undefined; frozen?: boolean | undefined; confirmedIrreversible?: boolean | undefined }
  | { kind: 'deny'; at: string; approver: string; comment: string }
  /** The runbook's dry run against its API, for the approver: recorded while the request awaits approval. */
  | { kind: 'record-plan'; at: string; plan: string }
  | { kind: 'expire'; at: string }
  | { kind: 'void'; at: string; by: string; reason: string }
  | { kind: 'refuse'; at: string; reason: string }
  | { kind: 'start-execution'; at: string }
  /** The runbook's API asked to come back later (429 with Retry-After, 5xx): run again later (runbooks are idempotent). */
  | { kind: 'defer-execution'; at: string; reason: string }
  | { kind: 'record-result'; at: string; outcome: 'succeeded'; result: string; dryRun: boolean; effect?: Readonly<Record<string, string>> | undefined }
  | { kind: 'record-result'; at: string; outcome: 'failed'; error: string }
  /** A real execution's check begins (a dry run has nothing to check). */
  | { kind: 'start-verification'; at: string }
  /** What the check found: in effect, not (the action failed), or not yet (nothing recorded; check again later). */
  | { kind: 'record-verification'; at: string; outcome: 'in-effect' | 'not-in-effect' | 'not-yet'; finding: string }
  /** Undo a done action: `reversible` is the runbook's (isolation is; a secret rotation or session revocation is not). */
  | { kind: 'request-undo'; at: string; by: string; reason: string; reversible: boolean; frozen?: boolean | undefined }
  | { kind: 'approve-undo'; at: string; approver: string; bindingHash: string; comment: string; frozen?: boolean | undefined }
  | { kind: 'deny-undo'; at: string; approver: string; comment: string }
  | { kind: 'start-undo'; at: string }
  | { kind: 'defer-undo'; at: string; reason: string }
  | { kind: 'refuse-undo'; at: string; reason: string }
  | { kind: 'record-undo-result'; at: string; outcome: 'succeeded'; result: string }
  | { kind: 'record-undo-result'; at: string; outcome: 'failed'; error: string };

/** Why a command was refused; the API maps each to an HTTP status ({@link httpStatusOf}). */
export type RejectionCode =
  | 'unknown-request'
  | 'already-requested'
  | 'expired'
  | 'not-due'
  | 'already-decided'
  | 'binding-mismatch'
  | 'confirmation-required'
  | 'sender-cannot-approve'
  | 'same-approver-twice'
  | 'frozen'
  | 'not-approved'
  | 'not-executing'
  | 'not-verifiable'
  | 'not-done'
  | 'not-reversible'
  | 'undo-not-pending'
  | 'undo-not-approved'
  | 'not-undoing';

/** A refused command: its code and a sentence for the person or the log. */
export interface Rejection {
  code: RejectionCode;
  detail: string;
}

/** The decider's answer: the events to record, or why nothing happens. */
export type Decision = { ok: true; events: RequestEvent[] } | { ok: false; rejection: Rejection };

const reject = (code: RejectionCode, detail: string): Decision => ({ ok: false, rejection: { code, detail } });
const accept = (...events: RequestEvent[]): Decision => ({ ok: true, events });

/** A request no approval can act on any more, so a later decision may ask again (a new `requested`). */
export function isSpent(status: RequestStatus): boolean {
  return status === 'expired' || status === 'failed' || status === 'refused' || status === 'voided';
}

/** A pending request's status as of `at`: past its expiry it is expired even before `expired` is recorded. */
export function statusAt(request: ContainmentRequest, at: string): RequestStatus {
  return request.status === 'pending-approval' && Date.parse(at) > Date.parse(request.expiresAt) ? 'expired' : request.status;
}

function closed(request: ContainmentRequest): string {
  return `This request is ${request.status}${request.decidedBy ? ` (by ${request.decidedBy})` : ''}.`;
}

const principalKey = (name: string): string => name.trim().toLowerCase();

/** Whether two principal names are one party: names compare without case (`Alice` and `alice` are one reviewer). */
export function samePrincipal(a: string, b: string): boolean {
  return principalKey(a) === principalKey(b);
}

/**
 * Whether `principal` is the sender recorded on an alert: the credential's name, or the credential part of
 * `<credential>:<client id>` (Entra ID) and `eventhubs:<hub>/<partition>` (a stream). A principal that sent an alert
 * can never approve or deny its containment: whoever controls a sending credential must not also be the human check
 * on what it asked for. An empty name is treated as the sender (refused).
 */
export function isSenderOf(principal: string, sender: string): boolean {
  const who = principalKey(principal);
  const from = principalKey(sender);
  return who === '' || from === who || from.startsWith(`${who}:`);
}

/**
 * The request lifecycle, pure: what a command records given the request's state (undefined: never requested).
 * Emmett-style `decide`; {@link evolve} folds the events back into state.
 */
export function decide(state: ContainmentRequest | undefined, command: RequestCommand): Decision {
  if (command.kind === 'request') {
    const current = state === undefined ? undefined : statusAt(state, command.at);
    if (state !== undefined && current !== undefined && !isSpent(current)) return reject('already-requested', closed(state));
    // A spent request is asked again by a later decision (a new revision's action), never by a redelivery of its own.
    if (state !== undefined && state.actionId === command.facts.actionId) return reject('already-requested', closed(state));
    const requested: RequestEvent = { kind: 'requested', at: command.at, facts: command.facts };
    // One that expired unanswered records its expiry first, so the trail says why it was asked again.
    const before: RequestEvent[] = state?.status === 'pending-approval' ? [{ kind: 'expired', at: command.at }] : [];
    // Asked while frozen: recorded (so the case shows it) and voided at once; nobody is asked to approve it.
    return command.frozen
      ? accept(...before, requested, { kind: 'voided', at: command.at, by: command.frozen.by, reason: `containment is frozen: ${command.frozen.reason}` })
      : accept(...before, requested);
  }
  if (state === undefined) return reject('unknown-request', 'No containment request has this id.');
  switch (command.kind) {
    case 'approve': {
      if (state.status !== 'pending-approval') return reject('already-decided', closed(state));
      if (Date.parse(command.at) > Date.parse(state.expiresAt)) return reject('expired', `The request expired at ${state.expiresAt}; a new decision raises a new one.`);
      if (command.frozen) return reject('frozen', 'Containment is frozen; nothing can be approved until an administrator unfreezes it.');
      if (command.bindingHash !== state.bindingHash) {
        return reject('binding-mismatch', 'The binding hash differs from the request\'s: what was approved is not what this request would run. Read the request again and approve what it shows.');
      }
      if (state.sender !== null && isSenderOf(command.approver, state.sender)) {
        return reject('sender-cannot-approve', `${command.approver} sent the alert and may not approve its containment.`);
      }
      const cannotBeUndone = RUNBOOKS[state.runbook].cannotBeUndone;
      if (cannotBeUndone !== undefined && command.confirmedIrreversible !== true) {
        return reject(
          'confirmation-required',
          `${state.runbook} cannot be fully undone (${cannotBeUndone}): its approval must confirm that explicitly (confirmIrreversible in the API, the confirmed Approve button in Slack).`,
        );
      }
      if (state.approvals.some((a) => samePrincipal(a.approver, command.approver))) {
        return reject('same-approver-twice', `${command.approver} already approved; this runbook needs ${state.approvalsRequired} different approvers.`);
      }
      const approval: Approval = {
        approver: command.approver,
        at: command.at,
        comment: command.comment,
        bindingHash: command.bindingHash,
        ...(command.changeRef !== undefined ? { changeRef: command.changeRef } : {}),
      };
      const recorded: RequestEvent = { kind: 'approval-recorded', at: command.at, approval };
      return state.approvals.length + 1 >= state.approvalsRequired ? accept(recorded, { kind: 'approved', at: command.at, approver: command.approver }) : accept(recorded);
    }
    case 'deny':
      if (state.status !== 'pending-approval') return reject('already-decided', closed(state));
      if (Date.parse(command.at) > Date.parse(state.expiresAt)) return reject('expired', `The request expired at ${state.expiresAt}.`);
      if (state.sender !== null && isSenderOf(command.approver, state.sender)) {
        return reject('sender-cannot-approve', `${command.approver} sent the alert and may not decide its containment.`);
      }
      return accept({ kind: 'denied', at: command.at, by: command.approver, comment: command.comment });
    case 'record-plan':
      if (state.status !== 'pending-approval') return reject('already-decided', closed(state));
      return accept({ kind: 'planned', at: command.at, plan: command.plan });
    case 'expire':
      if (state.status !== 'pending-approval') return reject('already-decided', closed(state));
      if (Date.parse(command.at) <= Date.parse(state.expiresAt)) return reject('not-due', `The request expires at ${state.expiresAt}.`);
      return accept({ kind: 'expired', at: command.at });
    case 'void':
      // A freeze voids what waits for a human; an approved request not yet started is stopped by the re-check.
      if (state.status !== 'pending-approval' && state.status !== 'approved') return reject('already-decided', closed(state));
      return accept({ kind: 'voided', at: command.at, by: command.by, reason: command.reason });
    case 'refuse':
      if (state.status !== 'approved') return reject('not-approved', closed(state));
      return accept({ kind: 'refused', at: command.at, reason: command.reason });
    case 'start-execution':
      if (state.status !== 'approved') return reject('not-approved', closed(state));
      return accept({ kind: 'execution-started', at: command.at });
    case 'defer-execution':
      if (state.status !== 'executing') return reject('not-executing', closed(state));
      return accept({ kind: 'execution-deferred', at: command.at, reason: command.reason });
    case 'record-result':
      if (state.status !== 'executing') return reject('not-executing', closed(state));
      return command.outcome === 'succeeded'
        ? accept({ kind: 'executed', at: command.at, result: command.result, dryRun: command.dryRun, ...(command.effect !== undefined && Object.keys(command.effect).length > 0 ? { effect: command.effect } : {}) })
        : accept({ kind: 'failed', at: command.at, error: command.error });
    case 'start-verification':
      if (state.status !== 'executed' || state.dryRun) return reject('not-verifiable', state.dryRun ? 'A dry run changed nothing to verify.' : closed(state));
      return accept({ kind: 'verification-started', at: command.at });
    case 'record-verification':
      if (state.status !== 'verifying') return reject('not-verifiable', closed(state));
      if (command.outcome === 'not-yet') return accept();
      return command.outcome === 'in-effect'
        ? accept({ kind: 'verified', at: command.at, finding: command.finding })
        : accept({ kind: 'verification-failed', at: command.at, finding: command.finding });
    case 'request-undo': {
      // A failed undo may be asked again (with a new approval): the API's answer may have been a passing outage.
      if (state.status !== 'done' && state.status !== 'undo-failed') return reject('not-done', `Only a done action can be undone. ${closed(state)}`);
      if (!command.reversible) return reject('not-reversible', `${state.runbook} cannot be undone.`);
      if (command.frozen) return reject('frozen', 'Containment is frozen; nothing can be undone until an administrator unfreezes it.');
      return accept({ kind: 'undo-requested', at: command.at, by: command.by, reason: command.reason, bindingHash: undoBindingHashOf(state) });
    }
    case 'approve-undo': {
      const undo = state.undo;
      if (state.status !== 'undo-pending-approval' || !undo) return reject('undo-not-pending', closed(state));
      if (command.frozen) return reject('frozen', 'Containment is frozen; nothing can be approved until an administrator unfreezes it.');
      if (command.bindingHash !== undo.bindingHash) return reject('binding-mismatch', 'The binding hash differs from the undo\'s: read the request again and approve what it shows.');
      if (state.sender !== null && isSenderOf(command.approver, state.sender)) return reject('sender-cannot-approve', `${command.approver} sent the alert and may not approve its containment's undo.`);
      // Four eyes on an undo too: whoever asked for it is not its check.
      if (samePrincipal(command.approver, undo.requestedBy) || undo.approvals.some((a) => samePrincipal(a.approver, command.approver))) {
        return reject('same-approver-twice', `${command.approver} already asked for or approved this undo; it needs ${state.approvalsRequired} other approver${state.approvalsRequired === 1 ? '' : 's'}.`);
      }
      const approval: Approval = { approver: command.approver, at: command.at, comment: command.comment, bindingHash: command.bindingHash };
      const recorded: RequestEvent = { kind: 'undo-approval-recorded', at: command.at, approval };
      return undo.approvals.length + 1 >= state.approvalsRequired ? accept(recorded, { kind: 'undo-approved', at: command.at, approver: command.approver }) : accept(recorded);
    }
    case 'deny-undo':
      if (state.status !== 'undo-pending-approval') return reject('undo-not-pending', closed(state));
      if (state.sender !== null && isSenderOf(command.approver, state.sender)) return reject('sender-cannot-approve', `${command.approver} sent the alert and may not decide its containment's undo.`);
      return accept({ kind: 'undo-denied', at: command.at, by: command.approver, comment: command.comment });
    case 'start-undo':
      if (state.status !== 'undo-approved') return reject('undo-not-approved', closed(state));
      return accept({ kind: 'undo-started', at: command.at });
    case 'defer-undo':
      if (state.status !== 'undoing') return reject('not-undoing', closed(state));
      return accept({ kind: 'undo-deferred', at: command.at, reason: command.reason });
    case 'refuse-undo':
      if (state.status !== 'undo-approved') return reject('undo-not-approved', closed(state));
      return accept({ kind: 'undo-refused', at: command.at, reason: command.reason });
    case 'record-undo-result':
      if (state.status !== 'undoing') return reject('not-undoing', closed(state));
      return command.outcome === 'succeeded' ? accept({ kind: 'undone', at: command.at, result: command.result }) : accept({ kind: 'undo-failed', at: command.at, error: command.error });
  }
}

/**
 * The hash an undo's approval is bound to: the action's own binding hash (what was approved and done) and the word
 * `undo`, so an approval of the action can never pass for an approval of its undo, nor one request's undo for another's.
 */
export function undoBindingHashOf(request: Pick<ContainmentRequest, 'bindingHash' | 'requestId'>): string {
  return hash('sha256', `undo\u0000${request.requestId}\u0000${request.bindingHash}`, 'hex');
}

/** Folds one event into the request. Pure; events are trusted (they were decided). */
export function evolve(state: ContainmentRequest | undefined, event: RequestEvent): ContainmentRequest | undefined {
  if (event.kind === 'requested') return { ...event.facts, status: 'pending-approval', approvals: [] };
  if (state === undefined) return undefined; // a stream always starts with `requested`
  switch (event.kind) {
    case 'approval-recorded':
      return { ...state, approvals: [...state.approvals, event.approval] };
    case 'planned':
      return { ...state, plan: event.plan };
    case 'approved': {
      const last = state.approvals.at(-1);
      return {
        ...state,
        status: 'approved',
        decidedBy: event.approver,
        decidedAt: event.at,
        comment: last?.comment ?? '',
        ...(last?.changeRef !== undefined ? { changeRef: last.changeRef } : {}),
      };
    }
    case 'denied':
      return { ...state, status: 'denied', decidedBy: event.by, decidedAt: event.at, comment: event.comment };
    case 'expired':
      return { ...state, status: 'expired', finishedAt: event.at, result: `expired at ${state.expiresAt} without a decision` };
    case 'voided':
      return { ...state, status: 'voided', decidedBy: event.by, decidedAt: event.at, finishedAt: event.at, result: event.reason };
    case 'refused':
      return { ...state, status: 'refused', finishedAt: event.at, result: event.reason };
    case 'execution-started':
      return { ...state, status: 'executing', executionStartedAt: event.at };
    case 'execution-deferred':
      return { ...state, status: 'approved', result: `deferred: ${event.reason}` };
    case 'executed':
      return { ...state, status: 'executed', finishedAt: event.at, result: event.result, dryRun: event.dryRun, ...(event.effect !== undefined ? { effect: event.effect } : {}) };
    case 'failed':
      return { ...state, status: 'failed', finishedAt: event.at, result: event.error };
    case 'verification-started':
      return { ...state, status: 'verifying' };
    case 'verified':
      return { ...state, status: 'done', verifiedAt: event.at, verification: event.finding };
    case 'verification-failed':
      return { ...state, status: 'failed', verification: event.finding, result: `executed, but the change is not in effect: ${event.finding}` };
    case 'undo-requested':
      return { ...state, status: 'undo-pending-approval', undo: { requestedBy: event.by, requestedAt: event.at, reason: event.reason, bindingHash: event.bindingHash, approvals: [] } };
    case 'undo-approval-recorded':
      return state.undo ? { ...state, undo: { ...state.undo, approvals: [...state.undo.approvals, event.approval] } } : state;
    case 'undo-approved':
      return state.undo ? { ...state, status: 'undo-approved', undo: { ...state.undo, decidedBy: event.approver, decidedAt: event.at } } : state;
    case 'undo-denied':
      return state.undo ? { ...state, status: 'done', undo: { ...state.undo, decidedBy: event.by, decidedAt: event.at, result: `denied: ${event.comment}`, finishedAt: event.at } } : state;
    case 'undo-started':
      return { ...state, status: 'undoing' };
    case 'undo-deferred':
      return { ...state, status: 'undo-approved' };
    case 'undo-refused':
      return state.undo ? { ...state, status: 'done', undo: { ...state.undo, result: `refused: ${event.reason}`, finishedAt: event.at } } : state;
    case 'undone':
      return state.undo ? { ...state, status: 'undone', undo: { ...state.undo, result: event.result, finishedAt: event.at } } : state;
    case 'undo-failed':
      return state.undo ? { ...state, status: 'undo-failed', undo: { ...state.undo, result: event.error, finishedAt: event.at } } : state;
  }
}

/** The request a stream of events describes (undefined for an empty stream). */
export function fold(events: readonly RequestEvent[]): ContainmentRequest | undefined {
  return events.reduce<ContainmentRequest | undefined>(evolve, undefined);
}

/** The HTTP status the API answers for a rejection: gone when expired, forbidden for the sender, conflict otherwise. */
export function httpStatusOf(code: RejectionCode): 404 | 403 | 409 | 410 | 422 {
  switch (code) {
    case 'unknown-request':
      return 404;
    case 'expired':
      return 410;
    case 'sender-cannot-approve':
      return 403;
    case 'confirmation-required':
      return 422;
    case 'already-requested':
    case 'not-due':
    case 'already-decided':
    case 'binding-mismatch':
    case 'same-approver-twice':
    case 'frozen':
    case 'not-approved':
    case 'not-executing':
    case 'not-verifiable':
    case 'not-done':
    case 'not-reversible':
    case 'undo-not-pending':
    case 'undo-not-approved':
    case 'not-undoing':
      return 409;
  }
}
