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
  statusAt,
} from '@soc/containment-requests';
import { BindingHash, ContainmentApprovedV1, ContainmentDeniedV1, ContainmentFreezeChangedV1, ContainmentRunbook, createEvent } from '@soc/contracts';
import type { Bus } from '@soc/bus';
import { jsonBody, problem, problemType, requireRole } from '@soc/http';
import type { Clock } from '@soc/runtime';
import { mayApprove, sendersOf } from './approval-rules.ts';
import type { CaseStore } from './ports.ts';

/** What the containment routes need. */
export interface ContainmentRoutesDeps {
  /** Containment's record of requests: the API reads status there and keeps no copy. */
  requests: RequestReader;
  freeze: FreezeSwitch;
  audit: AuditTrail;
  cases: CaseStore;
  bus: Bus;
  clock: Clock;
  /** The tenant stamped on the freeze's event (a freeze spans the installation). */
  tenantId: string;
}

const ApproveBody = z.object({ bindingHash: BindingHash.optional(), comment: z.string().max(4096).default(''), changeRef: z.string().min(1).max(128).optional() }).strict();
const DenyBody = z.object({ bindingHash: BindingHash.optional(), comment: z.string().max(4096).default(''), changeRef: z.string().min(1).max(128).optional() }).strict();
const FreezeBody = z.object({ frozen: z.boolean(), runbook: ContainmentRunbook.optional(), reason: z.string().trim().min(1).max(1024) }).strict();

/** A request as the API shows it: containment's record, its status as of now (a pending one past its expiry reads expired). */
export function requestView(request: ContainmentRequest, now: Date) {
  return {
    requestId: request.requestId,
    alertId: request.alertId,
    tenantId: request.tenantId,
    runbook: request.runbook,
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
    const now = deps.clock.now();
    const entry = { frozen: input.frozen, ...(input.runbook !== undefined ? { runbook: input.runbook } : {}), by, at: now.toISOString(), reason: input.reason };
    // Audited first: a change that cannot be audited does not happen.
    await deps.audit.append({ kind: 'containment.freeze-changed', actor: by, subject: `freeze:${input.runbook ?? 'global'}`, data: entry });
    await deps.freeze.set(entry);
    const id = randomUUID();
    await deps.bus.publish([createEvent(ContainmentFreezeChangedV1, entry, { id, source: '/soc/api', time: now, correlationid: `freeze-${id}`, tenantid: deps.tenantId })]);
    res.json({ ...(await deps.freeze.read()), changed: entry });
  });

  router.get('/api/v1/containment/:requestId', requireRole('viewer'), async (req: express.Request<{ requestId: string }>, res) => {
    const request = await deps.requests.get(req.params.requestId);
    if (!request) {
      problem(res, 404, { type: problemType('unknown-request'), title: 'Unknown containment request', detail: 'No containment request has this id.' });
      return;
    }
    res.json(requestView(request, deps.clock.now()));
  });

  const decideRoute = (verdict: 'approve' | 'deny') =>
    async (req: express.Request<{ requestId: string }>, res: express.Response): Promise<void> => {
      const approver = String(res.locals.principal);
      const input = (verdict === 'approve' ? ApproveBody : DenyBody).parse(req.body ?? {});
      if (verdict === 'approve' && input.bindingHash === undefined) {
        problem(res, 400, {
          type: problemType('binding-hash-required'),
          title: 'Binding hash required',
          detail: 'An approval must quote the bindingHash of the request it approves (GET /api/v1/containment/{requestId} or the case shows it), so what runs is what was approved.',
        });
        return;
      }
      const request = await deps.requests.get(req.params.requestId);
      if (!request) {
        problem(res, 404, { type: problemType('unknown-request'), title: 'Unknown containment request', detail: 'No containment request has this id.' });
        return;
      }
      // The request records the alert's sender; the case's receipts name the sender of every revision too. Fail
      // closed: a request with no sender on record and no receipt in the case yet cannot be checked against the approver.
      const senders = new Set([...(request.sender !== null ? [request.sender] : []), ...sendersOf(await deps.cases.events(request.alertId))]);
      if (senders.size === 0) {
        res.setHeader('Retry-After', '5');
        problem(res, 503, { type: problemType('case-catching-up'), title: 'Case not complete yet', detail: 'Who sent this alert is not on record yet; retry in a few seconds.' });
        return;
      }
      const refused = [...senders].map((sender) => mayApprove(approver, sender)).find((v) => !v.ok);
      if (refused !== undefined && !refused.ok) {
        await deps.audit.append({ kind: `containment.${verdict}-refused`, actor: approver, subject: request.requestId, tenantId: request.tenantId, data: { code: 'sender-cannot-approve', detail: refused.reason, via: 'api' } });
        problem(res, 403, { type: problemType('sender-cannot-approve'), title: 'A sender cannot decide its own alert', detail: refused.reason });
        return;
      }
      const now = deps.clock.now();
      const at = now.toISOString();
      const decision =
        verdict === 'approve'
          ? decide(request, { kind: 'approve', at, approver, bindingHash: input.bindingHash ?? '', comment: input.comment, changeRef: input.changeRef, frozen: freezeOf(await deps.freeze.read(), request.runbook) !== undefined })
          : decide(request, { kind: 'deny', at, approver, comment: input.comment });
      if (!decision.ok) {
        const { code, detail } = decision.rejection;
        await deps.audit.append({ kind: `containment.${verdict}-refused`, actor: approver, subject: request.requestId, tenantId: request.tenantId, data: { code, detail, via: 'api' } });
        problem(res, httpStatusOf(code), { type: problemType(code), title: `Cannot ${verdict}: ${code}`, detail });
        return;
      }
      const requested = await deps.cases.findRequest(request.requestId);
      const data = {
        requestId: request.requestId,
        alertId: request.alertId,
        approver,
        decidedAt: at,
        comment: input.comment,
        ...(input.changeRef ? { changeRef: input.changeRef } : {}),
        ...(verdict === 'approve' ? { bindingHash: input.bindingHash } : {}),
      };
      const opts = { id: randomUUID(), source: '/soc/api', time: now, correlationid: request.correlationId, ...(requested ? { causationid: requested.eventId } : {}), tenantid: request.tenantId, subject: request.alertId };
      await deps.bus.publish([verdict === 'approve' ? createEvent(ContainmentApprovedV1, data, opts) : createEvent(ContainmentDeniedV1, data, opts)]);
      const kinds = decision.events.map((e) => e.kind);
      const recorded = kinds.includes('approved') ? 'approved' : kinds.includes('denied') ? 'denied' : 'approval-recorded';
      res.status(202).json({
        requestId: request.requestId,
        decision: recorded,
        approver,
        approvals: request.approvals.length + (verdict === 'approve' ? 1 : 0),
        approvalsRequired: request.approvalsRequired,
      });
    };
  router.post('/api/v1/containment/:requestId/approve', requireRole('approver'), body, decideRoute('approve'));
  router.post('/api/v1/containment/:requestId/deny', requireRole('approver'), body, decideRoute('deny'));
  return router;
}
