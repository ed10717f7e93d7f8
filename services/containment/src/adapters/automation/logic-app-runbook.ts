import { AppError, ErrorCode } from '@soc/runtime';
import type { ContainmentRequest, RunbookAdapter, RunbookEffect, RunbookExecuted, RunbookVerification } from '../../ports.ts';
import { type ArmCall, ArmClient, type BearerCredential, HttpsTransport, answerError, approversOf, refused, requestIdOf } from './https-client.ts';

/**
 * `run-logic-app` (issue 14): triggers an existing Logic App workflow through its HTTP request trigger, with our
 * request id in the body and as the client tracking id, and verifies the run through ARM. The trigger URL carries a
 * SAS signature (`sig=`): it is a secret, never shown, logged or recorded. Never met the real Logic Apps service.
 */

/** The ARM api-version of Logic Apps workflows and runs. */
export const LOGIC_API_VERSION = '2016-06-01';
/** Workflow names as configured (the keys of the triggers file). */
export const WORKFLOW_NAME = /^[A-Za-z0-9._-]{1,80}$/;
/** A Logic Apps workflow's ARM resource id. */
export const WORKFLOW_RESOURCE_ID = /^\/subscriptions\/[0-9a-fA-F-]{36}\/resourceGroups\/[-\w.()]{1,90}\/providers\/Microsoft\.Logic\/workflows\/[-\w.()]{1,80}$/i;
/** A run id as Logic Apps gives it (`x-ms-workflow-run-id`). */
export const RUN_ID = /^[0-9A-Za-z]{1,80}$/;

/** One configured workflow. */
export interface LogicAppWorkflow {
  /** The HTTP request trigger's callback URL, signature included (a secret). */
  url: string;
  /** `/subscriptions/…/providers/Microsoft.Logic/workflows/<name>`: lets verify read the run and execute find an earlier one. */
  resourceId?: string;
  /** Another configured workflow that puts back what this one did: its presence makes this one undoable. */
  undoWorkflow?: string;
}

/** Options of {@link logicAppRunbooks}. */
export interface LogicAppRunbookOptions {
  workflows: Readonly<Record<string, LogicAppWorkflow>>;
  /** For the ARM calls (verify, finding an earlier run); needed when a workflow has a resource id. */
  credential?: BearerCredential;
  /** Default `https://management.azure.com`. */
  armBaseUrl?: string;
  transport?: HttpsTransport;
  now?: () => Date;
}

/** Removes every `sig=` value (and a URL's query) from text that might echo a trigger URL. */
export function redactSignature(text: string): string {
  return text.replace(/([?&]|\b)sig=[^&\s"'<>]*/gi, '$1sig=[redacted]');
}

/** The runbooks of this module. `undo` exists only when some workflow names an undo workflow. */
export function logicAppRunbooks(opts: LogicAppRunbookOptions): { 'run-logic-app': RunbookAdapter } {
  const rb = new LogicAppRunbook(opts);
  if (Object.values(opts.workflows).some((w) => w.undoWorkflow !== undefined)) return { 'run-logic-app': rb };
  return { 'run-logic-app': { dryRun: (r) => rb.dryRun(r), execute: (r) => rb.execute(r), verify: (r, e) => rb.verify(r, e) } };
}

interface Triggered {
  runId: string;
  status: number;
}

interface WorkflowRun {
  name?: string;
  properties?: { status?: string; startTime?: string; correlation?: { clientTrackingId?: string } };
}

const READ_PERMISSION = 'Microsoft.Logic/workflows/runs/read on the workflow (Logic App Operator or Reader)';

/** `run-logic-app` over a workflow's HTTP request trigger. */
export class LogicAppRunbook implements RunbookAdapter {
  readonly #workflows: ReadonlyMap<string, Readonly<LogicAppWorkflow> & { trigger: URL }>;
  readonly #arm: ArmClient | undefined;
  readonly #transport: HttpsTransport;
  readonly #now: () => Date;

  constructor(opts: LogicAppRunbookOptions) {
    const bad = (message: string): AppError => new AppError(ErrorCode.CONFIGURATION_INVALID, message, { retryable: false });
    const workflows = new Map<string, LogicAppWorkflow & { trigger: URL }>();
    for (const [name, w] of Object.entries(opts.workflows)) {
      if (!WORKFLOW_NAME.test(name)) throw bad(`Logic App workflow name ${JSON.stringify(name)} is not 1 to 80 letters, digits and . _ -`);
      let trigger: URL;
      try {
        trigger = new URL(w.url);
      } catch {
        throw bad(`the trigger URL of Logic App workflow ${name} is not a URL`);
      }
      if (trigger.protocol !== 'https:') throw bad(`the trigger URL of Logic App workflow ${name} is not https`);
      if (w.resourceId !== undefined && !WORKFLOW_RESOURCE_ID.test(w.resourceId)) throw bad(`the resource id of Logic App workflow ${name} is not /subscriptions/<id>/resourceGroups/<rg>/providers/Microsoft.Logic/workflows/<name>`);
      if (w.undoWorkflow !== undefined && (w.undoWorkflow === name || !(w.undoWorkflow in opts.workflows))) throw bad(`the undo workflow of Logic App workflow ${name} must be another configured workflow`);
      workflows.set(name, { ...w, trigger });
    }
    if (workflows.size === 0) throw bad('run-logic-app needs at least one configured workflow');
    if ([...workflows.values()].some((w) => w.resourceId) && !opts.credential) throw bad('run-logic-app needs a credential for the workflows with a resource id');
    this.#workflows = workflows;
    this.#transport = opts.transport ?? new HttpsTransport();
    this.#now = opts.now ?? (() => new Date());
    this.#arm = opts.credential ? new ArmClient({ credential: opts.credential, ...(opts.armBaseUrl ? { baseUrl: opts.armBaseUrl } : {}), transport: this.#transport, now: this.#now }) : undefined;
  }

  async dryRun(request: ContainmentRequest): Promise<string> {
    const requestId = requestIdOf(request);
    const [name, workflow] = this.#workflowOf(request);
    const parts: string[] = [];
    if (workflow.resourceId) {
      const found = await this.#earlierRun(workflow.resourceId, requestId);
      if (found) return `Logic App workflow ${name} already ran for this request: run ${found.name ?? '?'} (${found.properties?.status ?? 'status unknown'}); nothing more would be triggered`;
      const wf = await this.#armGet<{ properties?: { state?: string } }>({ method: 'GET', path: `${workflow.resourceId}?api-version=${LOGIC_API_VERSION}` });
      parts.push(`the workflow is ${wf?.properties?.state ?? 'in an unknown state'}`);
      parts.push(`verify reads GET ${workflow.resourceId}/runs/<run id>?api-version=${LOGIC_API_VERSION}`);
    } else {
      parts.push('no resource id is configured: verify can only read the trigger answer, and a redelivery after a lost answer triggers again unless the workflow dedupes on requestId');
    }
    parts.push(workflow.undoWorkflow ? `undo triggers workflow ${workflow.undoWorkflow}` : 'irreversible: no undo workflow is configured');
    return `would POST to the HTTP trigger of Logic App workflow ${name} (URL withheld: it carries a signature) with x-ms-client-tracking-id ${requestId} and body ${JSON.stringify(bodyOf(request, requestId))}; ${parts.join('; ')}`;
  }

  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    const requestId = requestIdOf(request);
    const [name, workflow] = this.#workflowOf(request);
    if (workflow.resourceId) {
      const found = await this.#earlierRun(workflow.resourceId, requestId);
      if (found?.name) {
        return { summary: `Logic App workflow ${name} already ran for this request: run ${found.name}`, effect: { workflow: name, runId: found.name, triggerStatus: '', origin: 'redelivered', ...undoOf(workflow) } };
      }
    }
    const run = await this.#trigger(name, workflow.trigger, requestId, bodyOf(request, requestId));
    return { summary: `triggered Logic App workflow ${name}: run ${run.runId} (${run.status === 200 ? 'completed' : 'accepted'})`, effect: { workflow: name, runId: run.runId, triggerStatus: String(run.status), origin: 'created', ...undoOf(workflow) } };
  }

  async verify(request: ContainmentRequest, effect: RunbookEffect): Promise<RunbookVerification> {
    requestIdOf(request);
    const [name, workflow, runId] = this.#effectOf(effect);
    if (!workflow.resourceId) {
      if (effect.triggerStatus === '200') return { outcome: 'in-effect', finding: `the trigger of ${name} answered 200 (its response said done); the run itself could not be checked: no resource id is configured` };
      return { outcome: 'not-yet', finding: `the trigger of ${name} accepted run ${runId} (202); whether it succeeded cannot be checked: no resource id is configured` };
    }
    const run = await this.#armGet<WorkflowRun>({ method: 'GET', path: `${workflow.resourceId}/runs/${runId}?api-version=${LOGIC_API_VERSION}` });
    const status = run?.properties?.status ?? 'unknown';
    const finding = `run ${runId} of Logic App workflow ${name} is ${status}`;
    switch (status) {
      case 'Succeeded':
        return { outcome: 'in-effect', finding };
      case 'Failed':
      case 'Cancelled':
      case 'Faulted':
      case 'TimedOut':
      case 'Aborted':
      case 'Skipped':
        return { outcome: 'not-in-effect', finding };
      default:
        // Running, Waiting, and the states a run leaves by itself or by a human (Paused, Suspended).
        return { outcome: 'not-yet', finding };
    }
  }

  async undo(request: ContainmentRequest, effect: RunbookEffect): Promise<string> {
    const requestId = requestIdOf(request);
    const [name, workflow, runId] = this.#effectOf(effect);
    if (!workflow.undoWorkflow) throw refused(`Logic App workflow ${name} has no undo workflow: its run cannot be undone here`);
    const undoName = workflow.undoWorkflow;
    const undo = this.#workflows.get(undoName);
    if (!undo) throw refused(`the undo workflow ${undoName} is not configured`);
    const trackingId = `${requestId}.undo`;
    if (undo.resourceId) {
      const found = await this.#earlierRun(undo.resourceId, trackingId);
      if (found?.name) return `undo workflow ${undoName} already ran for this request: run ${found.name}`;
    }
    const approvers = request.undo?.approvals.map((a) => a.approver) ?? [];
    const body = { ...bodyOf(request, requestId), approvedBy: [...new Set(approvers)], undoOf: { workflow: name, runId } };
    const run = await this.#trigger(undoName, undo.trigger, trackingId, body);
    return `triggered undo workflow ${undoName} for run ${runId} of ${name}: run ${run.runId} (${run.status === 200 ? 'completed' : 'accepted'})`;
  }

  async #trigger(name: string, trigger: URL, trackingId: string, body: Record<string, unknown>): Promise<Triggered> {
    const what = `Logic App ${name} trigger`;
    const answer = await this.#transport.send(trigger, { method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', 'x-ms-client-tracking-id': trackingId }, body: JSON.stringify(body) }, what);
    if (answer.status !== 200 && answer.status !== 202) {
      if (answer.status >= 200 && answer.status < 300) throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} answered ${answer.status}, not 200 or 202`, { retryable: false });
      const error = await answerError(what, { ...answer, text: redactSignature(answer.text) }, 'the trigger URL is refused: its signature may have been regenerated (update LOGIC_APP_TRIGGERS_FILE)', this.#now());
      throw new AppError(error.code, redactSignature(error.message), { retryable: error.retryable, ...(error.details ? { details: error.details } : {}) });
    }
    const runId = answer.headers.get('x-ms-workflow-run-id') ?? '';
    // The trigger fired: a missing or odd run id is not a reason to fire again (non-retryable).
    if (!RUN_ID.test(runId)) throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `${what} answered ${answer.status} without a usable x-ms-workflow-run-id; the workflow may have run: check it by hand`, { retryable: false });
    return { runId, status: answer.status };
  }

  /** The run an earlier trigger of the same request started (its client tracking id), if any. */
  async #earlierRun(resourceId: string, trackingId: string): Promise<WorkflowRun | undefined> {
    const filter = encodeURIComponent(`ClientTrackingId eq '${trackingId}'`).replace(/'/g, '%27');
    const runs = await this.#armGet<{ value?: WorkflowRun[] }>({ method: 'GET', path: `${resourceId}/runs?api-version=${LOGIC_API_VERSION}&$filter=${filter}` });
    return runs?.value?.find((r) => r.properties?.correlation?.clientTrackingId === trackingId && typeof r.name === 'string' && RUN_ID.test(r.name));
  }

  async #armGet<T>(call: ArmCall): Promise<T | undefined> {
    if (!this.#arm) throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'run-logic-app has no ARM credential', { retryable: false });
    return this.#arm.send<T>(call, READ_PERMISSION);
  }

  #workflowOf(request: ContainmentRequest): [string, LogicAppWorkflow & { trigger: URL }] {
    const name = request.arguments.workflow;
    if (name === undefined || !WORKFLOW_NAME.test(name)) throw refused('run-logic-app needs the argument workflow: a configured workflow name');
    const workflow = this.#workflows.get(name);
    if (!workflow) throw refused(`Logic App workflow ${name} is not configured (LOGIC_APP_TRIGGERS_FILE)`);
    return [name, workflow];
  }

  #effectOf(effect: RunbookEffect): [string, LogicAppWorkflow & { trigger: URL }, string] {
    const name = effect.workflow ?? '';
    const workflow = this.#workflows.get(name);
    if (!WORKFLOW_NAME.test(name) || !workflow) throw refused('the recorded effect names no configured Logic App workflow');
    const runId = effect.runId ?? '';
    if (!RUN_ID.test(runId)) throw refused('the recorded effect has no valid run id');
    return [name, workflow, runId];
  }
}

/** What the workflow receives: who asked and for what, never alert prose; `requestId` is its key to dedupe on. */
function bodyOf(request: ContainmentRequest, requestId: string): Record<string, unknown> {
  return {
    requestId,
    runbook: request.runbook,
    target: { type: request.target.type, value: request.target.value, entityId: request.target.entityId },
    approvedBy: approversOf(request),
    correlation: request.correlationId,
  };
}

/** A run whose workflow names an undo workflow says so in its effect: the request may then be undone (`isUndoable`). */
function undoOf(workflow: LogicAppWorkflow): { undo?: 'available' } {
  return workflow.undoWorkflow !== undefined ? { undo: 'available' } : {};
}
