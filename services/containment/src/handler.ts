import {
  ContainmentExecutedV1,
  ContainmentFailedV1,
  ContainmentRequestedV1,
  type EventByType,
  type SocEvent,
  causedBy,
  clipText,
  deriveKey,
} from '@soc/contracts';
import { NOTHING, dispatch, type EventHandler } from '@soc/bus';
import { type Clock, describeError } from '@soc/runtime';
import type { ContainmentRequest, RequestStore, RunbookExecutor } from './ports.ts';

/** What the containment handler needs. */
export interface ContainmentDeps {
  requests: RequestStore;
  runbooks: RunbookExecutor;
  clock: Clock;
  /** How long an approval may take before the request expires. */
  approvalTtlMs: number;
}

const SOURCE = '/soc/containment';

/**
 * The request id of a containment: one per alert, runbook and target, stable so approvers can refer to it. A later
 * revision of the alert that recommends the same containment finds this request (pending, approved, denied or
 * executed) instead of asking the approvers a second time; one that expired or failed is replaced by a new ask.
 */
export function requestIdFor(alertId: string, runbook: string, targetEntityId: string): string {
  return `cr-${deriveKey(alertId, runbook, targetEntityId, 'containment-request')}`;
}

/** A request no approval can act on any more: it expired unanswered, or its runbook failed. */
function isSpent(request: ContainmentRequest, now: Date): boolean {
  return request.status === 'expired' || request.status === 'failed' || (request.status === 'pending-approval' && now.toISOString() > request.expiresAt);
}

/**
 * Containment acts only after a recorded human approval: a decision only creates pending requests; an
 * approval event runs the runbook (dry-run in the embedded default); a denial closes the request.
 */
export function makeContainmentHandler(deps: ContainmentDeps): EventHandler {
  const onDecision = async (event: EventByType<'soc.decision.made.v1'>) => {
    const emit: SocEvent[] = [];
    const now = deps.clock.now();
    for (const action of event.data.actions) {
      if (action.kind !== 'RunContainment') continue;
      const fresh: ContainmentRequest = {
        requestId: requestIdFor(event.data.alert.alertId, action.runbook, action.target.entityId),
        alertId: event.data.alert.alertId,
        actionId: action.actionId,
        correlationId: event.correlationid,
        runbook: action.runbook,
        target: action.target,
        reason: action.reason,
        status: 'pending-approval',
        requestedAt: now.toISOString(),
        expiresAt: new Date(now.getTime() + deps.approvalTtlMs).toISOString(),
      };
      let request = await deps.requests.create(fresh);
      if (request.actionId !== action.actionId) {
        // Requested by an earlier revision's decision. A request that is pending, approved, denied or executed stands
        // as it is (approvers are not asked twice); one that expired unanswered or failed is spent, and this
        // revision's decision asks again. (A redelivery of this decision finds its own request and re-announces it.)
        if (!isSpent(request, now)) continue;
        const found = await deps.requests.get(request.requestId);
        if (found === undefined) continue;
        await deps.requests.save(fresh, found.etag);
        request = fresh;
      }
      emit.push(
        causedBy(
          event,
          ContainmentRequestedV1,
          {
            requestId: request.requestId,
            alertId: request.alertId,
            actionId: request.actionId,
            runbook: request.runbook,
            target: request.target,
            reason: request.reason,
            status: 'pending-approval',
            expiresAt: request.expiresAt,
          },
          { source: SOURCE, time: now, key: action.actionId },
        ),
      );
    }
    return { emit };
  };

  const executed = (event: SocEvent, r: ContainmentRequest) =>
    causedBy(
      event,
      ContainmentExecutedV1,
      { requestId: r.requestId, alertId: r.alertId, runbook: r.runbook, target: r.target, approvedBy: r.decidedBy ?? 'unknown', dryRun: r.dryRun ?? deps.runbooks.dryRun, result: clipText(r.result ?? '', 4096) },
      { source: SOURCE, time: deps.clock.now() },
    );
  const failed = (event: SocEvent, r: ContainmentRequest, error: string) =>
    causedBy(event, ContainmentFailedV1, { requestId: r.requestId, alertId: r.alertId, runbook: r.runbook, target: r.target, error: clipText(error, 4096) }, { source: SOURCE, time: deps.clock.now() });

  const onApproved = async (event: EventByType<'soc.containment.approved.v1'>) => {
    const found = await deps.requests.get(event.data.requestId);
    if (!found) return { emit: [] }; // the API checked it existed; an unknown id here was never ours
    const { request, etag } = found;
    // A redelivered approval re-announces the recorded outcome instead of running the runbook again.
    if (request.status === 'executed') return { emit: [executed(event, request)] };
    if (request.status === 'failed') return { emit: [failed(event, request, request.result ?? 'failed')] };
    if (request.status === 'denied' || request.status === 'expired') return NOTHING;
    const now = deps.clock.now();
    if (request.status === 'pending-approval' && now.toISOString() > request.expiresAt) {
      const expired: ContainmentRequest = { ...request, status: 'expired' };
      await deps.requests.save(expired, etag);
      return { emit: [failed(event, expired, `Approval by ${event.data.approver} arrived after the request expired at ${request.expiresAt}; raise a new request`)] };
    }
    const approved: ContainmentRequest = {
      ...request,
      status: 'approved',
      decidedBy: event.data.approver,
      decidedAt: event.data.decidedAt,
      comment: event.data.comment,
      ...(event.data.changeRef ? { changeRef: event.data.changeRef } : {}),
    };
    const etagAfterApproval = await deps.requests.save(approved, etag);
    try {
      const result = await deps.runbooks.execute(approved);
      const done: ContainmentRequest = { ...approved, status: 'executed', result, dryRun: deps.runbooks.dryRun };
      await deps.requests.save(done, etagAfterApproval);
      return { emit: [executed(event, done)] };
    } catch (error) {
      const message = describeError(error);
      await deps.requests.save({ ...approved, status: 'failed', result: message }, etagAfterApproval);
      return { emit: [failed(event, approved, message)] };
    }
  };

  const onDenied = async (event: EventByType<'soc.containment.denied.v1'>) => {
    const found = await deps.requests.get(event.data.requestId);
    if (!found || found.request.status !== 'pending-approval') return NOTHING;
    await deps.requests.save(
      { ...found.request, status: 'denied', decidedBy: event.data.approver, decidedAt: event.data.decidedAt, comment: event.data.comment },
      found.etag,
    );
    return NOTHING;
  };

  return dispatch('containment', {
    'soc.decision.made.v1': onDecision,
    'soc.containment.approved.v1': onApproved,
    'soc.containment.denied.v1': onDenied,
  });
}
