import { z } from 'zod';
import type { ContainmentRunbook } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';
import type { ContainmentRequest, RunbookAdapter, RunbookEffect, RunbookVerification } from '../../ports.ts';
import type { DefenderIndicatorRunbook, IndicatorTarget } from './defender-indicator-runbook.ts';
import type { DefenderIsolateHostRunbook, Plan, RunbookContext, VerifyResult } from './defender-runbook.ts';

/**
 * The Defender for Endpoint runbooks as the request state machine drives them ({@link RunbookAdapter}): the typed
 * results of `DefenderIsolateHostRunbook` and `DefenderIndicatorRunbook` are recorded as the request's effect and
 * read back (validated) to verify and undo.
 */

const contextOf = (request: ContainmentRequest): RunbookContext => ({ requestId: request.requestId, approvedBy: request.approvals.map((a) => a.approver) });
/** A plan's context: made before anyone approved, so the comment names the approvers to come. */
const planContextOf = (request: ContainmentRequest): RunbookContext => ({ requestId: request.requestId, approvedBy: request.approvals.length > 0 ? request.approvals.map((a) => a.approver) : ['<the approvers>'] });
/** An undo's context: its own approvers (the marker stays the request's, so a redelivered undo finds its action). */
const undoContextOf = (request: ContainmentRequest): RunbookContext => ({ requestId: request.requestId, approvedBy: request.undo?.approvals.map((a) => a.approver) ?? [] });

const describePlan = (plan: Plan): string =>
  plan.calls.length === 0
    ? `nothing to send (${Object.entries(plan.resolved).map(([k, v]) => `${k} ${v}`).join(', ') || 'already in place'})`
    : `${plan.calls.map((c) => `${c.method} ${c.path}${c.body !== undefined ? ` ${JSON.stringify(c.body)}` : ''}`).join('; ')}${Object.keys(plan.resolved).length > 0 ? ` (${Object.entries(plan.resolved).map(([k, v]) => `${k} ${v}`).join(', ')})` : ''}`;

function effectOf<T>(schema: z.ZodType<T>, effect: RunbookEffect, runbook: string): T {
  const parsed = schema.safeParse(effect);
  if (!parsed.success) throw new AppError(ErrorCode.PRECONDITION_FAILED, `the recorded effect of ${runbook} is not one this runbook made; check it by hand`, { retryable: false });
  return parsed.data;
}

function verification(result: VerifyResult, finding: string): RunbookVerification {
  return { outcome: result === 'done' ? 'in-effect' : result === 'pending' ? 'not-yet' : 'not-in-effect', finding };
}

const HostIsolatedEffect = z.object({ machineId: z.string().min(1), computerDnsName: z.string().min(1), actionId: z.string().min(1), origin: z.enum(['created', 'redelivered', 'already-isolating']) });

/** `isolate-host`: isolate the device named by the target; verify the machine action; undo releases it. */
export function isolateHostAdapter(runbook: DefenderIsolateHostRunbook): RunbookAdapter {
  return {
    async dryRun(request) {
      return `would ${describePlan(await runbook.dryRun({ hostName: request.target.value }, planContextOf(request)))}`;
    },
    async execute(request) {
      const done = await runbook.execute({ hostName: request.target.value }, contextOf(request));
      return {
        summary: `isolated ${request.target.value} through Defender for Endpoint: machine ${done.machineId}, action ${done.actionId} (${done.origin})`,
        effect: { machineId: done.machineId, computerDnsName: done.computerDnsName, actionId: done.actionId, origin: done.origin },
      };
    },
    async verify(request, effect) {
      const executed = effectOf(HostIsolatedEffect, effect, request.runbook);
      const result = await runbook.verify(executed);
      return verification(result, `Defender machine action ${executed.actionId} (Isolate) on machine ${executed.machineId}: ${result === 'done' ? 'Succeeded' : result === 'pending' ? 'still pending' : 'failed or cancelled'}`);
    },
    async undo(request, effect) {
      const released = await runbook.undo(effectOf(HostIsolatedEffect, effect, request.runbook), undoContextOf(request));
      return `released machine ${released.machineId} from isolation: action ${released.actionId} (${released.origin})`;
    },
  };
}

const IndicatorEffect = z.object({ indicatorId: z.string().min(1), type: z.enum(['IpAddress', 'Url', 'DomainName']), value: z.string().min(1), origin: z.enum(['created', 'redelivered', 'already-blocked']) });

/** `block-ip` / `block-url`: a blocking Defender indicator for the target; verify finds it; undo deletes ours. */
export function indicatorAdapter(runbook: DefenderIndicatorRunbook): RunbookAdapter {
  const targetOf = (request: ContainmentRequest): IndicatorTarget => ({
    type: request.runbook === 'block-ip' ? 'IpAddress' : request.target.type === 'domain' ? 'DomainName' : 'Url',
    value: request.target.value,
  });
  return {
    async dryRun(request) {
      return `would ${describePlan(await runbook.dryRun(targetOf(request), planContextOf(request)))}`;
    },
    async execute(request) {
      const done = await runbook.execute(targetOf(request), contextOf(request));
      return { summary: `blocked ${done.value} with Defender for Endpoint indicator ${done.indicatorId} (${done.origin})`, effect: { indicatorId: done.indicatorId, type: done.type, value: done.value, origin: done.origin } };
    },
    async verify(request, effect) {
      const executed = effectOf(IndicatorEffect, effect, request.runbook);
      const result = await runbook.verify(executed);
      return verification(result, `Defender indicator ${executed.indicatorId} (${executed.type}) ${result === 'done' ? 'is present and blocking' : 'is missing or not blocking'}`);
    },
    async undo(request, effect) {
      const removed = await runbook.undo(effectOf(IndicatorEffect, effect, request.runbook));
      return `deleted Defender indicator ${removed.indicatorId} (${removed.origin})`;
    },
  };
}

/** The Defender runbooks by name. */
export function defenderRunbooks(runbooks: { isolateHost: DefenderIsolateHostRunbook; indicators: DefenderIndicatorRunbook }): Partial<Record<ContainmentRunbook, RunbookAdapter>> {
  const indicators = indicatorAdapter(runbooks.indicators);
  return { 'isolate-host': isolateHostAdapter(runbooks.isolateHost), 'block-ip': indicators, 'block-url': indicators };
}
