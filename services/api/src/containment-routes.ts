import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import {
  type AuditTrail,
  type ContainmentRequest,
  type FreezeSwitch,
  type RequestReader,
  decide,
  freezeOf,
  httpStatusOf,
  isUndoable,
  runbookView,
  statusAt,
} from '@soc/containment-requests';
import { BindingHash, ContainmentApprovedV2, ContainmentDeniedV1, ContainmentFreezeChangedV2, ContainmentRunbook, ContainmentUndoDecidedV1, ContainmentUndoRequestedV1, createEvent } from '@soc/contracts';
import type { Bus } from '@soc/bus';
import { type TenantGrant, jsonBody, mayAccess, problem, problemType, requireRole } from '@soc/http';
import type { Clock } from '@soc/runtime';
import { mayApprove, sendersOf } from './approval-rules.ts';
import type { CaseStore } from './ports.ts';
import { tenantScope } from './tenancy.ts';

/** What the containment routes need. */
export interface ContainmentRoutesDeps {
  /** Containment's record of requests: the API reads status there and keeps no copy. */
  requests: RequestReader;
  freeze: FreezeSwitch;
  audit: AuditTrail;
  cases: CaseStore;
  bus: Bus;
  clock: Clock;
  /** The deployment's tenant (SOC_TENANT_ID), stamped on the freeze's event (a freeze spans the installation). */
  tenantId: string;
  /**
   * Every tenant the configuration names (SOC_TENANT_ID and those of SOC_API_TENANTS): the freeze spans them all, so
   * only an administrator who sees each of them may set it. Absent: SOC_TENANT_ID alone.
   */
  knownTenants?: readonly string[];
}

const unknownRequest = { ok: false, status: 404, code: 'unknown-request', title: 'Unknown containment request', detail: 'No containment request has this id.' } as const;

export const ApproveBody = z
  .object({
    bindingHash: BindingHash.optional(),
    comment: z.string().max(4096).default(''),
    changeRef: z.string().min(1).max(128).optional(),
    /** Required (true) for a runbook whose effect cannot be (fully) undone: the approver read `runbookInfo.cannotBeUndone`. */
    confirmIrreversible: z.boolean().optional(),
  })
  .strict();
export const UndoBody = z.object({ reason: z.string().trim().min(1).max(1024) }).strict();
export const UndoApproveBody = z.object({ bindingHash: BindingHash.optional(), comment: z.string().max(4096).default('') }).strict();
export const UndoDenyBody = z.object({ comment: z.string().max(4096).default('') }).strict();
export const DenyBody = z.object({ bindingHash: BindingHash.optional(), comment: z.string().max(4096).default(''), changeRef: z.string().min(1).max(128).optional() }).strict();
export const FreezeBody = z.object({ frozen: z.boolean(), runbook: ContainmentRunbook.optional(), reason: z.string().trim().min(1).max(1024) }).strict();

/** A request as the API shows it: containment's record, its status as of now (a pending one past its expiry reads expired). */
export function requestView(request: ContainmentRequest, now: Date) {
  return {
    requestId: request.requestId,
    alertId: request.alertId,
    tenantId: request.tenantId,
    runbook: request.runbook,
    // What the approver approves: what it does, whether it can be undone, and what cannot (issue 14).
    runbookInfo: runbookView(request.runbook, request.target.value),
    target: request.target,
    arguments: request.arguments,
    reason: request.reason,
    status: statusAt(request, now.toISOString()),
    requestedAt: request.requestedAt,
    expiresAt: request.expiresAt,
    bindingHash: request.bindingHash,
    approvalsRequired: request.approvalsRequired,
    approvals: request.approvals.map((a) => ({ approver: a.approver, at: a.at, comment: a.comment, ...(a.changeRef !== undefined ? { changeRef: a.changeRef } : {}) })),
    sender: request.sender,
    ...(request.decidedBy !== undefined ? { decidedBy: request.decidedBy } : {}),
    ...(request.comment !== undefined ? { comment: request.comment } : {}),
    ...(request.result !== undefined ? { result: request.result } : {}),
    ...(request.dryRun !== undefined ? { dryRun: request.dryRun } : {}),
    // What the runbook would change, from its dry run against the real API (when one runs or plans it).
    ...(request.plan !== undefined ? { plan: request.plan } : {}),
    // What a real execution changed (ids the API gave), and whether it was found in effect.
    ...(request.effect !== undefined ? { effect: request.effect } : {}),
    ...(request.verification !== undefined ? { verification: request.verification } : {}),
    ...(request.verifiedAt !== undefined ? { verifiedAt: request.verifiedAt } : {}),
    // The undo offered on a done, reversible action, and the one asked, with the hash its approval must quote.
    undoable: (request.status === 'done' || request.status === 'undo-failed') && isUndoable(request),
    ...(request.undo !== undefined
      ? {
          undo: {
            requestedBy: request.undo.requestedBy,
            requestedAt: request.undo.requestedAt,
            reason: request.undo.reason,
            bindingHash: request.undo.bindingHash,
            approvals: request.undo.approvals.map((a) => ({ approver: a.approver, at: a.at, comment: a.comment })),
            ...(request.undo.decidedBy !== undefined ? { decidedBy: request.undo.decidedBy } : {}),
            ...(request.undo.result !== undefined ? { result: request.undo.result } : {}),
            ...(request.undo.finishedAt !== undefined ? { finishedAt: request.undo.finishedAt } : {}),
          },
        }
      : {}),
  };
}

/** What an approver asks of a request, through the API or a signed integration (Slack, Teams). */
export interface ContainmentVerdictInput {
  verdict: 'approve' | 'deny';
  requestId: string;
  /** The approver principal (an API token's name, or the one a Slack or Teams user maps to). */
  approver: string;
  /** The approver's tenants: a request of another tenant is answered as unknown (404), whichever door it came through. */
  tenants: TenantGrant;
  bindingHash?: string | undefined;
  comment: string;
  changeRef?: string | undefined;
  /** The approver confirmed what cannot be undone (needed for such a runbook; only the API's body can say it). */
  confirmIrreversible?: boolean | undefined;
  /** Where the decision came from, on the audit record. */
  via: 'api' | 'slack' | 'teams';
}

/** The outcome of {@link decideContainment}: what was recorded, or why nothing was (an HTTP status and a problem). */
export type ContainmentVerdictOutcome =
  | { ok: true; body: { requestId: string; decision: 'approved' | 'denied' | 'approval-recorded'; approver: string; approvals: number; approvalsRequired: number } }
  | { ok: false; status: number; code: string; title: string; detail: string; retryAfterSeconds?: number };

/**
 * Why `principal` may not decide a request of an alert it sent (403, audited as `auditKind`), or why it cannot be
 * told yet (503: no sender on record and no receipt in the case: fail closed). One check for an action's approval and
 * its undo's: the request records the alert's sender; the case's receipts name the sender of every revision too.
 */
async function senderRefusal(
  deps: ContainmentRoutesDeps,
  request: ContainmentRequest,
  principal: string,
  auditKind: string,
  via: ContainmentVerdictInput['via'],
): Promise<Extract<ContainmentVerdictOutcome, { ok: false }> | undefined> {
  const senders = new Set([...(request.sender !== null ? [request.sender] : []), ...sendersOf(await deps.cases.events(request.alertId))]);
  if (senders.size === 0) {
    return { ok: false, status: 503, code: 'case-catching-up', title: 'Case not complete yet', detail: 'Who sent this alert is not on record yet; retry in a few seconds.', retryAfterSeconds: 5 };
  }
  const refused = [...senders].map((sender) => mayApprove(principal, sender)).find((v) => !v.ok);
  if (refused === undefined || refused.ok) return undefined;
  await deps.audit.append({ kind: auditKind, actor: principal, subject: request.requestId, tenantId: request.tenantId, data: { code: 'sender-cannot-approve', detail: refused.reason, via } });
  return { ok: false, status: 403, code: 'sender-cannot-approve', title: 'A sender cannot decide its own alert', detail: refused.reason };
}

/**
 * Approves or denies a containment request: the one code path of every approval, whichever door it came through
 * (`POST /api/v1/containment/{id}/approve|deny`, the Slack interactions endpoint, the Teams bot endpoint). Binding hash quoted, a sender never
 * approves its own alert, then containment's own decider on its record (four-eyes, expired 410, decided 409, frozen);
 * refusals are audited with `via`; an accepted verdict is published for containment to record and run.
 */
export async function decideContainment(deps: ContainmentRoutesDeps, input: ContainmentVerdictInput): Promise<ContainmentVerdictOutcome> {
  const { verdict, approver, via } = input;
  if (verdict === 'approve' && input.bindingHash === undefined) {
    return {
      ok: false,
      status: 400,
      code: 'binding-hash-required',
      title: 'Binding hash required',
      detail: 'An approval must quote the bindingHash of the request it approves (GET /api/v1/containment/{requestId} or the case shows it), so what runs is what was approved.',
    };
  }
  const request = await deps.requests.get(input.requestId);
  if (!request || !mayAccess(input.tenants, request.tenantId)) return unknownRequest;
  const notSender = await senderRefusal(deps, request, approver, `containment.${verdict}-refused`, via);
  if (notSender) return notSender;
  const now = deps.clock.now();
  const at = now.toISOString();
  const decision =
    verdict === 'approve'
      ? decide(request, {
          kind: 'approve',
          at,
          approver,
          bindingHash: input.bindingHash ?? '',
          comment: input.comment,
          changeRef: input.changeRef,
          frozen: freezeOf(await deps.freeze.read(), request.runbook) !== undefined,
          confirmedIrreversible: input.confirmIrreversible,
        })
      : decide(request, { kind: 'deny', at, approver, comment: input.comment });
  if (!decision.ok) {
    const { code, detail } = decision.rejection;
    await deps.audit.append({ kind: `containment.${verdict}-refused`, actor: approver, subject: request.requestId, tenantId: request.tenantId, data: { code, detail, via } });
    return { ok: false, status: httpStatusOf(code), code, title: `Cannot ${verdict}: ${code}`, detail };
  }
  const requested = await deps.cases.findRequest(request.requestId);
  const data = {
    requestId: request.requestId,
    alertId: request.alertId,
    approver,
    decidedAt: at,
    comment: input.comment,
    ...(input.changeRef ? { changeRef: input.changeRef } : {}),
    ...(verdict === 'approve' ? { bindingHash: input.bindingHash, ...(input.confirmIrreversible === true ? { confirmedIrreversible: true } : {}) } : {}),
  };
  const opts = { id: randomUUID(), source: '/soc/api', time: now, correlationid: request.correlationId, ...(requested ? { causationid: requested.eventId } : {}), tenantid: request.tenantId, subject: request.alertId };
  await deps.bus.publish([verdict === 'approve' ? createEvent(ContainmentApprovedV2, data, opts) : createEvent(ContainmentDeniedV1, data, opts)]);
  const kinds = decision.events.map((e) => e.kind);
  const recorded = kinds.includes('approved') ? 'approved' : kinds.includes('denied') ? 'denied' : 'approval-recorded';
  return {
    ok: true,
    body: { requestId: request.requestId, decision: recorded, approver, approvals: request.approvals.length + (verdict === 'approve' ? 1 : 0), approvalsRequired: request.approvalsRequired },
  };
}

/** What is asked of a done action's undo: to undo it (an analyst), or to approve or deny that undo (an approver). */
export interface UndoInput {
  step: 'request' | 'approve' | 'deny';
  requestId: string;
  principal: string;
  /** The principal's tenants: a request of another tenant is answered as unknown (404). */
  tenants: TenantGrant;
  /** Why the undo is asked (request), or the approver's comment. */
  text: string;
  /** The undo's own binding hash (approve). */
  bindingHash?: string | undefined;
}

/**
 * The undo of a done containment (issue 14), through the API: asked by an analyst, then approved by other approvers
 * (the same number as the action needed; never the one who asked, never the alert's sender), quoting the undo's own
 * binding hash. Checked against containment's record with the same decider containment runs, audited when refused,
 * published for containment to record and run.
 */
export async function decideUndo(deps: ContainmentRoutesDeps, input: UndoInput): Promise<ContainmentVerdictOutcome | { ok: true; body: Record<string, unknown> }> {
  const { step, principal } = input;
  if (step === 'approve' && input.bindingHash === undefined) {
    return { ok: false, status: 400, code: 'binding-hash-required', title: 'Binding hash required', detail: 'An undo approval must quote undo.bindingHash of the request (GET /api/v1/containment/{requestId}).' };
  }
  const request = await deps.requests.get(input.requestId);
  if (!request || !mayAccess(input.tenants, request.tenantId)) return unknownRequest;
  const notSender = await senderRefusal(deps, request, principal, `containment.undo-${step}-refused`, 'api');
  if (notSender) return notSender;
  const now = deps.clock.now();
  const at = now.toISOString();
  const frozen = freezeOf(await deps.freeze.read(), request.runbook) !== undefined;
  const decision =
    step === 'request'
      ? decide(request, { kind: 'request-undo', at, by: principal, reason: input.text, reversible: isUndoable(request), frozen })
      : step === 'approve'
        ? decide(request, { kind: 'approve-undo', at, approver: principal, bindingHash: input.bindingHash ?? '', comment: input.text, frozen })
        : decide(request, { kind: 'deny-undo', at, approver: principal, comment: input.text });
  if (!decision.ok) {
    const { code, detail } = decision.rejection;
    await deps.audit.append({ kind: `containment.undo-${step}-refused`, actor: principal, subject: request.requestId, tenantId: request.tenantId, data: { code, detail, via: 'api' } });
    return { ok: false, status: httpStatusOf(code), code, title: `Cannot ${step === 'request' ? 'ask for an undo' : `${step} the undo`}: ${code}`, detail };
  }
  const opts = { id: randomUUID(), source: '/soc/api', time: now, correlationid: request.correlationId, tenantid: request.tenantId, subject: request.alertId };
  const event =
    step === 'request'
      ? createEvent(ContainmentUndoRequestedV1, { requestId: request.requestId, alertId: request.alertId, requestedBy: principal, requestedAt: at, reason: input.text }, opts)
      : createEvent(
          ContainmentUndoDecidedV1,
          { requestId: request.requestId, alertId: request.alertId, decision: step === 'approve' ? 'approved' : 'denied', approver: principal, decidedAt: at, comment: input.text, ...(step === 'approve' ? { bindingHash: input.bindingHash } : {}) },
          opts,
        );
  await deps.bus.publish([event]);
  const kinds = decision.events.map((e) => e.kind);
  const recorded = kinds.includes('undo-approved') ? 'undo-approved' : kinds.includes('undo-denied') ? 'undo-denied' : kinds.includes('undo-requested') ? 'undo-requested' : 'undo-approval-recorded';
  const undoEvent = decision.events.find((e) => e.kind === 'undo-requested');
  return {
    ok: true,
    body: {
      requestId: request.requestId,
      decision: recorded,
      by: principal,
      approvalsRequired: request.approvalsRequired,
      ...(undoEvent?.kind === 'undo-requested' ? { undoBindingHash: undoEvent.bindingHash } : request.undo ? { undoBindingHash: request.undo.bindingHash } : {}),
    },
  };
}

/**
 * Containment through the API: read a request, approve or deny it (checked against containment's record with the
 * same decider containment runs, so an answer never promises what will not happen), and the emergency freeze.
 */
export function containmentRoutes(deps: ContainmentRoutesDeps): Router {
  const router = express.Router();
  const body = jsonBody({ limitBytes: 16 * 1024 });

  router.get('/api/v1/containment/freeze', requireRole('viewer'), async (_req, res) => {
    res.json(await deps.freeze.read());
  });

  router.put('/api/v1/containment/freeze', requireRole('admin'), body, async (req, res) => {
    const input = FreezeBody.parse(req.body ?? {});
    const by = String(res.locals.principal);
    // The freeze spans the installation: an administrator of some tenants may not stop (or restart) every tenant's
    // containment. Only one who sees every tenant the configuration names may (`*`, or each of them).
    const grant = tenantScope(res, deps.tenantId).grant;
    const unseen = (deps.knownTenants ?? [deps.tenantId]).filter((t) => !mayAccess(grant, t));
    if (unseen.length > 0) {
      problem(res, 403, {
        type: problemType('installation-wide'),
        title: 'Forbidden',
        detail: `The containment freeze spans every tenant; principal "${by}" does not administer ${unseen.length} of them (SOC_API_TENANTS). An administrator of every tenant sets it.`,
      });
      return;
    }
    const now = deps.clock.now();
    const entry = { frozen: input.frozen, ...(input.runbook !== undefined ? { runbook: input.runbook } : {}), by, at: now.toISOString(), reason: input.reason };
    // Audited first: a change that cannot be audited does not happen.
    await deps.audit.append({ kind: 'containment.freeze-changed', actor: by, subject: `freeze:${input.runbook ?? 'global'}`, data: entry });
    await deps.freeze.set(entry);
    const id = randomUUID();
    await deps.bus.publish([createEvent(ContainmentFreezeChangedV2, entry, { id, source: '/soc/api', time: now, correlationid: `freeze-${id}`, tenantid: deps.tenantId })]);
    res.json({ ...(await deps.freeze.read()), changed: entry });
  });

  router.get('/api/v1/containment/:requestId', requireRole('viewer'), async (req: express.Request<{ requestId: string }>, res) => {
    const request = await deps.requests.get(req.params.requestId);
    if (!request || !tenantScope(res, deps.tenantId).sees(request.tenantId)) {
      problem(res, 404, { type: problemType('unknown-request'), title: 'Unknown containment request', detail: 'No containment request has this id.' });
      return;
    }
    res.json(requestView(request, deps.clock.now()));
  });

  const decideRoute = (verdict: 'approve' | 'deny') =>
    async (req: express.Request<{ requestId: string }>, res: express.Response): Promise<void> => {
      const input = (verdict === 'approve' ? ApproveBody : DenyBody).parse(req.body ?? {});
      const outcome = await decideContainment(deps, { verdict, requestId: req.params.requestId, approver: String(res.locals.principal), tenants: tenantScope(res, deps.tenantId).grant, ...input, via: 'api' });
      if (!outcome.ok) {
        if (outcome.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
        problem(res, outcome.status, { type: problemType(outcome.code), title: outcome.title, detail: outcome.detail });
        return;
      }
      res.status(202).json(outcome.body);
    };
  router.post('/api/v1/containment/:requestId/approve', requireRole('approver'), body, decideRoute('approve'));
  router.post('/api/v1/containment/:requestId/deny', requireRole('approver'), body, decideRoute('deny'));

  const undoRoute = (step: UndoInput['step']) =>
    async (req: express.Request<{ requestId: string }>, res: express.Response): Promise<void> => {
      const text =
        step === 'request'
          ? UndoBody.parse(req.body ?? {}).reason
          : step === 'approve'
            ? UndoApproveBody.parse(req.body ?? {}).comment
            : UndoDenyBody.parse(req.body ?? {}).comment;
      const bindingHash = step === 'approve' ? UndoApproveBody.parse(req.body ?? {}).bindingHash : undefined;
      const outcome = await decideUndo(deps, { step, requestId: req.params.requestId, principal: String(res.locals.principal), tenants: tenantScope(res, deps.tenantId).grant, text, bindingHash });
      if (!outcome.ok) {
        if (outcome.retryAfterSeconds !== undefined) res.setHeader('Retry-After', String(outcome.retryAfterSeconds));
        problem(res, outcome.status, { type: problemType(outcome.code), title: outcome.title, detail: outcome.detail });
        return;
      }
      res.status(202).json(outcome.body);
    };
  // Asking for an undo is an analyst's; approving or denying it an approver's (never the one who asked).
  router.post('/api/v1/containment/:requestId/undo', requireRole('analyst'), body, undoRoute('request'));
  router.post('/api/v1/containment/:requestId/undo/approve', requireRole('approver'), body, undoRoute('approve'));
  router.post('/api/v1/containment/:requestId/undo/deny', requireRole('approver'), body, undoRoute('deny'));
  return router;
}
