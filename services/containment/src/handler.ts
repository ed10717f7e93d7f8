import { createHash } from 'node:crypto';
import {
  type ContainmentRequest,
  type Decision,
  type RequestCommand,
  type RequestEvent,
  bindingHashOf,
  decide,
  requestIdFor,
  evolve,
  freezeOf,
  isUndoable,
  RUNBOOKS,
} from '@soc/containment-requests';
import {
  ContainmentCheckDueV1,
  ContainmentExecutedV2,
  ContainmentFailedV2,
  ContainmentRequestedV2,
  ContainmentUndoneV1,
  ContainmentVerifiedV1,
  type EventByType,
  type SocEvent,
  causedBy,
  clipText,
  deriveEventId,
} from '@soc/contracts';
import { NOTHING, dispatch, type EventHandler } from '@soc/bus';
import { AppError, type Clock, ErrorCode, describeError, isAppError, isRetryable } from '@soc/runtime';
import type {
  ApprovalsRequired,
  AuditTrail,
  BlastRadiusLimits,
  FreezeSwitch,
  PreExecutionCheck,
  RequestLog,
  RunbookExecutor,
  RunbookVerification,
} from './ports.ts';

/** What the containment handler needs. */
export interface ContainmentDeps {
  requests: RequestLog;
  freeze: FreezeSwitch;
  runbooks: RunbookExecutor;
  audit: AuditTrail;
  clock: Clock;
  /** How long an approval may take before the request expires. */
  approvalTtlMs: number;
  /** Approvals each runbook needs (default 1; 2 for four-eyes runbooks). */
  approvalsRequired: ApprovalsRequired;
  /** The policy re-check just before a runbook runs. */
  recheck: PreExecutionCheck;
  limits: BlastRadiusLimits;
  /**
   * How a real execution is checked while its API still reports it pending: the delay before check `attempt`
   * (2, 3, …) and the last check, after which it is recorded as not in effect. Default {@link VERIFY_SCHEDULE}.
   */
  verifySchedule?: VerifySchedule;
}

/** When the checks of a real execution run (see {@link ContainmentDeps.verifySchedule}). */
export interface VerifySchedule {
  maxChecks: number;
  delayMs(attempt: number): number;
}

/**
 * 30 s, 1, 2, 4, 8 minutes, then every 10 minutes: 20 checks over about 2 h 35 min. A Defender isolation of an online
 * device completes in minutes; one of an offline device stays queued in Defender until the device connects, and the
 * request then fails verification with that finding (the action itself stays queued in Defender).
 */
export const VERIFY_SCHEDULE: VerifySchedule = verifyScheduleOf(30, 20);

/** Checks `intervalSeconds` apart at first, then twice as long each time up to twenty intervals; at most `maxChecks`. */
export function verifyScheduleOf(intervalSeconds: number, maxChecks: number): VerifySchedule {
  const first = intervalSeconds * 1000;
  return { maxChecks, delayMs: (attempt) => Math.min(first * 2 ** Math.max(0, attempt - 2), 20 * first) };
}

const SOURCE = '/soc/containment';

/** Longest string an audit record quotes whole; a longer one (a URL target, a runbook result) is cut and hashed. */
const AUDIT_STRING_CHARS = 512;

/**
 * A value as an audit record holds it: strings longer than {@link AUDIT_STRING_CHARS} keep their head, length and
 * SHA-256 (a target URL may be 32,768 characters; the audit log takes records of at most 16 KiB of data), and the
 * decision's facts a request carries (`decidedOn`, alert and enrichment) are named by their hash only. Bounded, so
 * no valid request can make its audit write fail (which would stop containment).
 */
function auditable(value: unknown): unknown {
  if (typeof value === 'string') {
    if (value.length <= AUDIT_STRING_CHARS) return value;
    return `${value.slice(0, 256)}… (${value.length} characters, sha256 ${createHash('sha256').update(value).digest('hex')})`;
  }
  if (Array.isArray(value)) return value.map((v) => auditable(v));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([k, v]) =>
        k === 'decidedOn'
          ? [k, { sha256: createHash('sha256').update(JSON.stringify(v)).digest('hex') }]
          : [k, auditable(v)],
      ),
    );
  }
  return value;
}
const auditData = (data: Record<string, unknown>): Record<string, unknown> =>
  auditable(data) as Record<string, unknown>;
/** How often a command is decided again after losing a race for the next version of its request. */
const MAX_RACES = 5;
const HOUR_MS = 3_600_000;

/**
 * A runbook's error that asks to come back later: an AppError its adapter classified as retryable (429 with
 * Retry-After, 5xx, a network failure). Anything else (a 403, a 404, an error no adapter classified) fails the step.
 */
const isPassing = (error: unknown): boolean => isAppError(error) && isRetryable(error);

// The request id is the library's (a case card names the same request): re-exported for this service's callers.
export { requestIdFor };

/** The sentence recorded when a redelivery finds a runbook started and never finished. */
export function outcomeUnknown(request: ContainmentRequest): string {
  return `outcome unknown: the process stopped during execution; check ${request.target.type} ${request.target.value} by hand (runbook ${request.runbook})`;
}

/** Who an event of the request names as its actor, for the audit trail. */
function actorOf(event: RequestEvent): string {
  switch (event.kind) {
    case 'approval-recorded':
    case 'undo-approval-recorded':
      return event.approval.approver;
    case 'approved':
    case 'undo-approved':
      return event.approver;
    case 'denied':
    case 'voided':
    case 'undo-requested':
    case 'undo-denied':
      return event.by;
    case 'planned':
    case 'execution-deferred':
    case 'undo-deferred':
    case 'undo-refused':
    case 'verification-started':
    case 'verified':
    case 'verification-failed':
    case 'undo-started':
    case 'undone':
    case 'undo-failed':
    case 'requested':
    case 'expired':
    case 'refused':
    case 'execution-started':
    case 'executed':
    case 'failed':
      return 'containment';
  }
}

/**
 * The thin shell around the request decider: load the request's events, decide, audit, append, act. Containment
 * acts only after recorded human approvals; `execution-started` is written before the runbook is called, so a
 * redelivery that finds a request executing records an unknown outcome instead of running it again.
 */
export function makeContainmentHandler(deps: ContainmentDeps): EventHandler {
  const now = () => deps.clock.now().toISOString();

  const auditRejection = async (
    request: ContainmentRequest | undefined,
    requestId: string,
    actor: string,
    command: RequestCommand,
    decision: Extract<Decision, { ok: false }>,
  ) => {
    await deps.audit.append({
      kind: `containment.${command.kind}-refused`,
      actor,
      subject: requestId,
      ...(request ? { tenantId: request.tenantId } : {}),
      data: auditData({
        code: decision.rejection.code,
        detail: decision.rejection.detail,
        ...(request ? { alertId: request.alertId, runbook: request.runbook, target: request.target } : {}),
      }),
    });
  };

  /**
   * Decides `command` on the request as stored and appends what it decided, each event audited first (a failed
   * audit write stops the act: fail closed, retryable). A lost race for the next version decides again on fresh state.
   */
  const run = async (requestId: string, command: () => Promise<RequestCommand> | RequestCommand, actor: string) => {
    for (let race = 1; ; race++) {
      const loaded = await deps.requests.load(requestId);
      const cmd = await command();
      const decision = decide(loaded.request, cmd);
      if (!decision.ok) return { decision, request: loaded.request };
      const subject = decision.events.reduce(evolve, loaded.request);
      for (const event of decision.events) {
        await deps.audit.append({
          kind: `containment.${event.kind}`,
          actor: event.kind === 'requested' ? actor : actorOf(event),
          subject: requestId,
          ...(subject ? { tenantId: subject.tenantId } : {}),
          data: {
            version: loaded.version + 1,
            ...(subject
              ? {
                  alertId: subject.alertId,
                  runbook: subject.runbook,
                  target: auditable(subject.target),
                  bindingHash: subject.bindingHash,
                }
              : {}),
            event: auditable(event),
          },
        });
      }
      try {
        await deps.requests.append(requestId, loaded, decision.events);
      } catch (error) {
        if (isAppError(error) && error.code === ErrorCode.CONFLICT && race < MAX_RACES) continue;
        throw error;
      }
      return { decision, request: (await deps.requests.load(requestId)).request };
    }
  };

  const requestedEvent = (event: EventByType<'soc.decision.made.v2'>, r: ContainmentRequest) =>
    causedBy(
      event,
      ContainmentRequestedV2,
      {
        requestId: r.requestId,
        alertId: r.alertId,
        actionId: r.actionId,
        runbook: r.runbook,
        target: r.target,
        reason: r.reason,
        status: 'pending-approval',
        expiresAt: r.expiresAt,
        bindingHash: r.bindingHash,
        approvalsRequired: r.approvalsRequired,
        ...(Object.keys(r.arguments).length > 0 ? { arguments: { ...r.arguments } } : {}),
        reversible: RUNBOOKS[r.runbook].reversible,
        ...(RUNBOOKS[r.runbook].cannotBeUndone !== undefined
          ? { cannotBeUndone: RUNBOOKS[r.runbook].cannotBeUndone }
          : {}),
      },
      { source: SOURCE, time: deps.clock.now(), key: r.actionId },
    );
  /**
   * An outcome of a request (executed, failed, verified, undone) has one event id whatever delivery announces it: the
   * id is derived from the request, its action and the outcome, not from the cause. So an approval replayed with a new
   * id, or a check-due timer and an approval's redelivery announcing the same outcome, give one event to every dedupe.
   */
  const outcome = <E extends SocEvent>(r: ContainmentRequest, what: string, event: E): E => ({
    ...event,
    id: deriveEventId(`${SOURCE}:${r.requestId}:${r.actionId}`, event.type, what),
  });
  const executed = (event: SocEvent, r: ContainmentRequest) =>
    outcome(
      r,
      'executed',
      causedBy(
        event,
        ContainmentExecutedV2,
        {
          requestId: r.requestId,
          alertId: r.alertId,
          runbook: r.runbook,
          target: r.target,
          approvedBy: r.approvals.map((a) => a.approver).join(', ') || 'unknown',
          dryRun: r.dryRun ?? deps.runbooks.isDryRun(r.runbook),
          result: clipText(r.result ?? '', 4096),
          ...(r.effect !== undefined ? { effect: r.effect } : {}),
        },
        { source: SOURCE, time: deps.clock.now() },
      ),
    );
  const failed = (event: SocEvent, r: ContainmentRequest, error: string) =>
    outcome(
      r,
      'failed',
      causedBy(
        event,
        ContainmentFailedV2,
        {
          requestId: r.requestId,
          alertId: r.alertId,
          runbook: r.runbook,
          target: r.target,
          error: clipText(error, 4096),
        },
        { source: SOURCE, time: deps.clock.now() },
      ),
    );

  const verified = (event: SocEvent, r: ContainmentRequest, found: 'in-effect' | 'not-in-effect') =>
    outcome(
      r,
      'verified',
      causedBy(
        event,
        ContainmentVerifiedV1,
        {
          requestId: r.requestId,
          alertId: r.alertId,
          runbook: r.runbook,
          target: r.target,
          outcome: found,
          finding: clipText(r.verification ?? '', 4096),
        },
        { source: SOURCE, time: deps.clock.now() },
      ),
    );
  const undone = (event: SocEvent, r: ContainmentRequest) =>
    outcome(
      r,
      `undone:${r.undo?.requestedAt ?? ''}`,
      causedBy(
        event,
        ContainmentUndoneV1,
        {
          requestId: r.requestId,
          alertId: r.alertId,
          runbook: r.runbook,
          target: r.target,
          outcome: r.status === 'undone' ? 'undone' : 'undo-failed',
          approvedBy: r.undo?.approvals.map((a) => a.approver).join(', ') || 'unknown',
          result: clipText(r.undo?.result ?? '', 4096),
        },
        { source: SOURCE, time: deps.clock.now() },
      ),
    );

  /** The outcome of a request that is closed, announced again (a redelivery changes nothing; the ids repeat). */
  const announce = (event: SocEvent, r: ContainmentRequest): SocEvent[] => {
    switch (r.status) {
      case 'executed':
      case 'verifying':
        return [executed(event, r)];
      case 'done':
      case 'undo-pending-approval':
      case 'undo-approved':
      case 'undoing':
      case 'undone':
      case 'undo-failed':
        // The undo's outcome is announced by the undo's own events; an approval's redelivery repeats the action's.
        return [executed(event, r), verified(event, r, 'in-effect')];
      case 'failed':
        // Failed at execution, or executed and found not in effect.
        return r.verification !== undefined
          ? [executed(event, r), verified(event, r, 'not-in-effect'), failed(event, r, r.result ?? 'failed')]
          : [failed(event, r, r.result ?? 'failed')];
      case 'refused':
        return [failed(event, r, `refused before execution: ${r.result ?? ''}`)];
      case 'expired':
        return [failed(event, r, `the request expired at ${r.expiresAt} before it was approved; raise a new request`)];
      case 'voided':
        return [failed(event, r, `voided: ${r.result ?? ''}`)];
      case 'pending-approval':
      case 'approved':
      case 'executing':
      case 'denied':
        return [];
    }
  };

  /** Why the runbook must not run now: the freeze, the blast-radius caps, then the injected policy re-check. */
  const refusalOf = async (r: ContainmentRequest): Promise<string | undefined> => {
    // A freeze that cannot be read stops execution (fail closed): the read throws, the bus redelivers.
    const frozen = freezeOf(await deps.freeze.read(), r.runbook);
    if (frozen)
      return `containment is frozen (${frozen.runbook ?? 'every runbook'}, by ${frozen.by} at ${frozen.at}: ${frozen.reason})`;
    const since = new Date(deps.clock.now().getTime() - HOUR_MS).toISOString();
    const onTarget = await deps.requests.countExecutionsSince({
      tenantId: r.tenantId,
      target: r.target,
      since,
      exceptRequestId: r.requestId,
    });
    if (onTarget >= deps.limits.perTargetPerHour)
      return `blast radius: ${onTarget} containment(s) already ran on ${r.target.type} ${r.target.value} in the last hour (limit ${deps.limits.perTargetPerHour})`;
    const inTenant = await deps.requests.countExecutionsSince({
      tenantId: r.tenantId,
      since,
      exceptRequestId: r.requestId,
    });
    if (inTenant >= deps.limits.perTenantPerHour)
      return `blast radius: ${inTenant} containment(s) already ran in tenant ${r.tenantId} in the last hour (limit ${deps.limits.perTenantPerHour})`;
    return deps.recheck(r);
  };

  const schedule = deps.verifySchedule ?? VERIFY_SCHEDULE;

  /**
   * Records the runbook's dry run (read-only lookups against its API: the device, the rule, the secret it would act
   * on) on a pending request, when a real adapter runs or plans the runbook. A failed lookup is recorded as what it
   * said (the approver learns the real run would fail); it never fails the decision's delivery.
   */
  const planOf = async (request: ContainmentRequest): Promise<ContainmentRequest | undefined> => {
    let plan: string | undefined;
    try {
      plan = await deps.runbooks.plan(request);
    } catch (error) {
      plan = `could not plan: ${describeError(error)}`;
    }
    if (plan === undefined) return undefined;
    const text = clipText(plan, 4096);
    const planned = await run(request.requestId, () => ({ kind: 'record-plan', at: now(), plan: text }), 'containment');
    return planned.request;
  };

  /** Containment's timer: check the request again at the delay before check `attempt`. */
  const checkDue = (event: SocEvent, r: ContainmentRequest, attempt: number) =>
    causedBy(
      event,
      ContainmentCheckDueV1,
      { requestId: r.requestId, alertId: r.alertId, attempt },
      {
        source: SOURCE,
        time: deps.clock.now(),
        key: `${r.requestId}:check:${attempt}`,
        deliverAt: new Date(deps.clock.now().getTime() + schedule.delayMs(attempt)),
      },
    );

  /**
   * From `executed` (a real execution) or `verifying`: ask the runbook whether its change is in effect and record
   * what it found. Not yet (the API still reports it pending, or could not be asked for a passing reason): the next
   * check is scheduled (`soc.containment.check-due.v1` with deliverat), until the last one records it as not in effect.
   * Never throws after the execution was recorded, so the executed event is never lost to a retry.
   */
  const verifyStep = async (event: SocEvent, request: ContainmentRequest, attempt: number): Promise<SocEvent[]> => {
    let current = request;
    if (current.status === 'executed') {
      if (current.dryRun !== false) return []; // a dry run changed nothing to check
      const started = await run(current.requestId, () => ({ kind: 'start-verification', at: now() }), 'containment');
      if (!started.decision.ok || !started.request) return [];
      current = started.request;
    }
    if (current.status !== 'verifying') return [];
    let found: RunbookVerification;
    try {
      found = await deps.runbooks.verify(current);
    } catch (error) {
      found = isPassing(error)
        ? { outcome: 'not-yet', finding: `could not check yet: ${describeError(error)}` }
        : { outcome: 'not-in-effect', finding: `could not check: ${describeError(error)}` };
    }
    if (found.outcome === 'not-yet') {
      if (attempt < schedule.maxChecks) return [checkDue(event, current, attempt + 1)];
      found = { outcome: 'not-in-effect', finding: `not in effect after ${attempt} checks: ${found.finding}` };
    }
    const outcome = found.outcome;
    const recorded = await run(
      current.requestId,
      () => ({ kind: 'record-verification', at: now(), outcome, finding: clipText(found.finding, 2048) }),
      'containment',
    );
    if (!recorded.decision.ok || !recorded.request) return [];
    const r = recorded.request;
    return r.status === 'done'
      ? [verified(event, r, 'in-effect')]
      : [verified(event, r, 'not-in-effect'), failed(event, r, r.result ?? found.finding)];
  };

  /**
   * Calls a runbook once for a request whose start is recorded, and says what to record: `succeeded`'s command, or
   * `failed` with the error. A passing answer of the runbook's API (429, 5xx) records `defer` (the request goes back
   * to approved, or the undo to undo-approved) and throws, so the bus delivers again after the wait and the idempotent
   * runbook runs again.
   */
  const attempt = async (
    requestId: string,
    call: () => Promise<RequestCommand>,
    defer: (reason: string) => RequestCommand,
    failed: (error: string) => RequestCommand,
  ): Promise<RequestCommand> => {
    try {
      return await call();
    } catch (error) {
      if (!isPassing(error)) return failed(describeError(error));
      await run(requestId, () => defer(clipText(describeError(error), 1024)), 'containment');
      throw error;
    }
  };

  /**
   * From `approved`: re-check, record the start, run once, record the result; a real execution is then verified. A
   * retryable answer of the runbook's API (429 with Retry-After, 5xx) defers the request back to approved and throws,
   * so the bus delivers the approval again after the wait and the idempotent runbook runs again.
   */
  const execute = async (event: SocEvent, approved: ContainmentRequest): Promise<SocEvent[]> => {
    const refusal = await refusalOf(approved);
    if (refusal !== undefined) {
      const refused = await run(
        approved.requestId,
        () => ({ kind: 'refuse', at: now(), reason: refusal }),
        'containment',
      );
      return refused.decision.ok && refused.request ? announce(event, refused.request) : [];
    }
    const started = await run(approved.requestId, () => ({ kind: 'start-execution', at: now() }), 'containment');
    // Another delivery started (or closed) it first: that one runs the runbook, not this one.
    if (!started.decision.ok || !started.request) return [];
    const request = started.request;
    const result = await attempt(
      approved.requestId,
      async () => {
        const output = await deps.runbooks.execute(request);
        return {
          kind: 'record-result',
          at: now(),
          outcome: 'succeeded',
          result: output.summary,
          dryRun: deps.runbooks.isDryRun(request.runbook),
          effect: output.effect,
        };
      },
      (reason) => ({ kind: 'defer-execution', at: now(), reason }),
      (error) => ({ kind: 'record-result', at: now(), outcome: 'failed', error }),
    );
    const done = await run(approved.requestId, () => result, 'containment');
    if (!done.request) return [];
    const announced = announce(event, done.request);
    return done.request.status === 'executed' && done.request.dryRun === false
      ? [...announced, ...(await verifyStep(event, done.request, 1))]
      : announced;
  };

  /** From `undo-approved`: the freeze, then record the start, undo once, record the result. Retryable answers defer. */
  const undoStep = async (event: SocEvent, approved: ContainmentRequest): Promise<SocEvent[]> => {
    const frozen = freezeOf(await deps.freeze.read(), approved.runbook);
    if (frozen) {
      await run(
        approved.requestId,
        () => ({
          kind: 'refuse-undo',
          at: now(),
          reason: `containment is frozen (${frozen.runbook ?? 'every runbook'}, by ${frozen.by}: ${frozen.reason})`,
        }),
        'containment',
      );
      return [];
    }
    const started = await run(approved.requestId, () => ({ kind: 'start-undo', at: now() }), 'containment');
    if (!started.decision.ok || !started.request) return [];
    const request = started.request;
    const result = await attempt(
      approved.requestId,
      async () => ({
        kind: 'record-undo-result',
        at: now(),
        outcome: 'succeeded',
        result: await deps.runbooks.undo(request),
      }),
      (reason) => ({ kind: 'defer-undo', at: now(), reason }),
      (error) => ({ kind: 'record-undo-result', at: now(), outcome: 'failed', error }),
    );
    const done = await run(approved.requestId, () => result, 'containment');
    return done.request ? [undone(event, done.request)] : [];
  };

  const onDecision = async (event: EventByType<'soc.decision.made.v2'>) => {
    const emit: SocEvent[] = [];
    const at = deps.clock.now();
    const { alert } = event.data;
    for (const action of event.data.actions) {
      if (action.kind !== 'RunContainment') continue;
      const requestId = requestIdFor(alert.alertId, action.runbook, action.target.entityId);
      const bound = {
        requestId,
        runbook: action.runbook,
        target: action.target,
        arguments: action.arguments ?? {},
        tenantId: alert.tenantId,
      };
      const facts = {
        ...bound,
        alertId: alert.alertId,
        actionId: action.actionId,
        correlationId: event.correlationid,
        reason: action.reason,
        sender: alert.sender ?? null,
        approvalsRequired: deps.approvalsRequired(action.runbook),
        requestedAt: at.toISOString(),
        expiresAt: new Date(at.getTime() + deps.approvalTtlMs).toISOString(),
        bindingHash: bindingHashOf(bound),
        ...(event.data.enrichment !== undefined ? { decidedOn: { alert, enrichment: event.data.enrichment } } : {}),
      };
      const outcome = await run(
        requestId,
        async () => {
          const frozen = freezeOf(await deps.freeze.read(), action.runbook);
          return {
            kind: 'request',
            at: facts.requestedAt,
            facts,
            frozen: frozen ? { by: frozen.by, reason: frozen.reason } : undefined,
          };
        },
        event.data.alert.sender ?? 'decision',
      );
      let request = outcome.request;
      if (!request) continue;
      // What the runbook would change, from its dry run against the real API, recorded for the approver.
      if (request.status === 'pending-approval' && request.actionId === action.actionId && request.plan === undefined)
        request = (await planOf(request)) ?? request;
      // Requested now, or a redelivery of the decision that requested it: announce it (the same event id).
      if (request.status === 'pending-approval' && request.actionId === action.actionId)
        emit.push(requestedEvent(event, request));
      // Otherwise an earlier revision's request stands as it is, or this one was voided by a freeze on arrival.
    }
    return { emit };
  };

  const onApproved = async (event: EventByType<'soc.containment.approved.v2'>) => {
    const { requestId, approver } = event.data;
    const { request } = await deps.requests.load(requestId);
    if (!request) return NOTHING; // not ours: the API only publishes approvals of requests it read
    switch (request.status) {
      case 'executing': {
        // Started by a delivery that never recorded its result: never run it again.
        const closed = await run(
          requestId,
          () => ({ kind: 'record-result', at: now(), outcome: 'failed', error: outcomeUnknown(request) }),
          'containment',
        );
        return { emit: closed.request ? announce(event, closed.request) : [] };
      }
      case 'approved':
        // Approved by an earlier delivery that stopped before the start was recorded: carry on from the re-check.
        return { emit: await execute(event, request) };
      case 'executed':
      case 'verifying':
        // A real execution whose check was never scheduled (the process stopped): check it now.
        return { emit: [...announce(event, request), ...(await verifyStep(event, request, 1))] };
      case 'failed':
      case 'refused':
      case 'expired':
      case 'voided':
      case 'denied':
      // Past execution (verified, being undone or undone): an approval of the action has nothing left to start.
      case 'done':
      case 'undo-pending-approval':
      case 'undo-approved':
      case 'undoing':
      case 'undone':
      case 'undo-failed':
        return { emit: announce(event, request) };
      case 'pending-approval':
        break;
    }
    const command = async (): Promise<RequestCommand> => ({
      kind: 'approve',
      // Containment's own clock: an approval delivered (or redelivered) after the expiry does not run.
      at: now(),
      approver,
      // An approval without the hash approved nothing in particular: it cannot match.
      bindingHash: event.data.bindingHash ?? '',
      comment: event.data.comment,
      changeRef: event.data.changeRef,
      frozen: freezeOf(await deps.freeze.read(), request.runbook) !== undefined,
      confirmedIrreversible: event.data.confirmedIrreversible,
    });
    const approved = await run(requestId, command, approver);
    if (!approved.decision.ok) {
      await auditRejection(
        approved.request,
        requestId,
        approver,
        {
          kind: 'approve',
          at: now(),
          approver,
          bindingHash: event.data.bindingHash ?? '',
          comment: event.data.comment,
        },
        approved.decision,
      );
      if (approved.decision.rejection.code !== 'expired') return NOTHING;
      const expired = await run(requestId, () => ({ kind: 'expire', at: now() }), 'containment');
      if (!expired.request) return NOTHING;
      return {
        emit: [
          failed(
            event,
            expired.request,
            `Approval by ${approver} arrived after the request expired at ${expired.request.expiresAt}; raise a new request`,
          ),
        ],
      };
    }
    if (approved.request?.status !== 'approved') return NOTHING; // a first approval of two: wait for the second
    return { emit: await execute(event, approved.request) };
  };

  const onDenied = async (event: EventByType<'soc.containment.denied.v1'>) => {
    const { requestId, approver } = event.data;
    const command: RequestCommand = { kind: 'deny', at: now(), approver, comment: event.data.comment };
    const denied = await run(requestId, () => command, approver);
    if (!denied.decision.ok && denied.decision.rejection.code !== 'unknown-request')
      await auditRejection(denied.request, requestId, approver, command, denied.decision);
    return NOTHING;
  };

  const onFreezeChanged = async (event: EventByType<'soc.containment.freeze-changed.v2'>) => {
    if (!event.data.frozen) return NOTHING;
    const { by, reason, runbook } = event.data;
    const scope = runbook ?? 'every runbook';
    for (const status of ['pending-approval', 'approved'] as const) {
      for (const request of await deps.requests.listByStatus(status, { runbook })) {
        const voided = await run(
          request.requestId,
          () => ({ kind: 'void', at: now(), by, reason: `containment frozen (${scope}) by ${by}: ${reason}` }),
          by,
        );
        if (!voided.decision.ok && voided.decision.rejection.code !== 'already-decided') {
          throw new AppError(
            ErrorCode.INTERNAL,
            `Could not void ${request.requestId}: ${voided.decision.rejection.detail}`,
            { retryable: true },
          );
        }
      }
    }
    return NOTHING;
  };

  // Containment's timer: the next check of a real execution still pending at its API.
  const onCheckDue = async (event: EventByType<'soc.containment.check-due.v1'>) => {
    const { request } = await deps.requests.load(event.data.requestId);
    if (!request || (request.status !== 'verifying' && request.status !== 'executed')) return NOTHING;
    return { emit: await verifyStep(event, request, event.data.attempt) };
  };

  // Someone asks to undo a done action: recorded (with its own binding hash) to await its own approval.
  const onUndoRequested = async (event: EventByType<'soc.containment.undo-requested.v1'>) => {
    const { requestId, requestedBy, reason } = event.data;
    const loaded = await deps.requests.load(requestId);
    if (!loaded.request) return NOTHING;
    const runbook = loaded.request.runbook;
    const undoable = isUndoable(loaded.request);
    const command = async (): Promise<RequestCommand> => ({
      kind: 'request-undo',
      at: now(),
      by: requestedBy,
      reason,
      reversible: undoable,
      frozen: freezeOf(await deps.freeze.read(), runbook) !== undefined,
    });
    const asked = await run(requestId, command, requestedBy);
    // A redelivery finds the undo already asked (undo-pending-approval): nothing to say again.
    if (
      !asked.decision.ok &&
      asked.request?.undo?.requestedAt !== undefined &&
      asked.request.status === 'undo-pending-approval'
    )
      return NOTHING;
    if (!asked.decision.ok)
      await auditRejection(asked.request, requestId, requestedBy, await command(), asked.decision);
    return NOTHING;
  };

  // An approver approves or denies an undo; an approved one runs once (a redelivery announces its outcome again).
  const onUndoDecided = async (event: EventByType<'soc.containment.undo-decided.v1'>) => {
    const { requestId, approver, decision, comment } = event.data;
    const { request } = await deps.requests.load(requestId);
    if (!request) return NOTHING;
    switch (request.status) {
      case 'undoing': {
        // Started by a delivery that never recorded its result: never run it again.
        const closed = await run(
          requestId,
          () => ({
            kind: 'record-undo-result',
            at: now(),
            outcome: 'failed',
            error: outcomeUnknown(request).replace('during execution', 'during the undo'),
          }),
          'containment',
        );
        return { emit: closed.request ? [undone(event, closed.request)] : [] };
      }
      case 'undo-approved':
        return { emit: await undoStep(event, request) };
      case 'undone':
      case 'undo-failed':
        return { emit: [undone(event, request)] };
      case 'undo-pending-approval':
        break;
      // Nothing to undo (or not yet): the decider refuses the command with the reason, which is audited.
      case 'pending-approval':
      case 'approved':
      case 'executing':
      case 'executed':
      case 'verifying':
      case 'done':
      case 'failed':
      case 'refused':
      case 'denied':
      case 'expired':
      case 'voided':
        break;
    }
    if (decision === 'denied') {
      const command: RequestCommand = { kind: 'deny-undo', at: now(), approver, comment };
      const denied = await run(requestId, () => command, approver);
      if (!denied.decision.ok) await auditRejection(denied.request, requestId, approver, command, denied.decision);
      return NOTHING;
    }
    const command = async (): Promise<RequestCommand> => ({
      kind: 'approve-undo',
      at: now(),
      approver,
      bindingHash: event.data.bindingHash ?? '',
      comment,
      frozen: freezeOf(await deps.freeze.read(), request.runbook) !== undefined,
    });
    const approved = await run(requestId, command, approver);
    if (!approved.decision.ok) {
      await auditRejection(approved.request, requestId, approver, await command(), approved.decision);
      return NOTHING;
    }
    if (approved.request?.status !== 'undo-approved') return NOTHING; // a first approval of two
    return { emit: await undoStep(event, approved.request) };
  };

  return dispatch('containment', {
    'soc.decision.made.v2': onDecision,
    'soc.containment.approved.v2': onApproved,
    'soc.containment.denied.v1': onDenied,
    'soc.containment.freeze-changed.v2': onFreezeChanged,
    'soc.containment.check-due.v1': onCheckDue,
    'soc.containment.undo-requested.v1': onUndoRequested,
    'soc.containment.undo-decided.v1': onUndoDecided,
  });
}
