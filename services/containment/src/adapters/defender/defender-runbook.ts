import { defang } from '@soc/outbound';
import { AppError, ErrorCode } from '@soc/runtime';
import { type DefenderCall, type DefenderClient, filterQuery, odataString } from './defender-client.ts';

/**
 * Defender for Endpoint runbooks (issue 14): `isolate-host` (isolate / release a device). Each has a dry run that
 * shows exactly the calls it would make, an idempotent execute, a verify and an undo. Not wired into the request
 * state machine yet; never met the real Defender API.
 */

/** Who asked: our request id (the idempotency key, carried in every comment) and the approvers. */
export interface RunbookContext {
  requestId: string;
  approvedBy: readonly string[];
}

/** What a dry run would do: the read-only lookups it made and the calls execute would send. */
export interface Plan {
  runbook: string;
  /** The device (or indicator) the plan is about, as Defender knows it. */
  resolved: Readonly<Record<string, string>>;
  calls: readonly DefenderCall[];
}

export type VerifyResult = 'done' | 'pending' | 'failed';

/** The narrow interface the request state machine will drive. */
export interface DefenderRunbook<Target, Executed, Undone> {
  dryRun(target: Target, context: RunbookContext): Promise<Plan>;
  execute(target: Target, context: RunbookContext): Promise<Executed>;
  verify(executed: Executed): Promise<VerifyResult>;
  undo(executed: Executed, context: RunbookContext): Promise<Undone>;
}

/** A device named by its DNS name (`computerDnsName`), e.g. `ws-0042.corp.example.com`. */
export interface HostTarget {
  hostName: string;
  isolationType?: 'Selective' | 'Full';
}

/** The result of an isolate: the machine and the action that isolates it. */
export interface HostIsolated {
  machineId: string;
  computerDnsName: string;
  actionId: string;
  /**
   * `created`: our POST made the action; `redelivered`: an earlier execute of the same request made it;
   * `already-isolating`: Defender refused with `ActiveRequestAlreadyExists` and the action is someone else's.
   */
  origin: 'created' | 'redelivered' | 'already-isolating';
}

export interface HostReleased {
  machineId: string;
  actionId: string;
  origin: 'created' | 'redelivered' | 'already-releasing';
}

/** A machine action as `GET /api/machineactions` returns it (the fields used here). */
interface MachineAction {
  id: string;
  type: string;
  status: string;
  machineId?: string;
  requestorComment?: string | null;
  creationDateTimeUtc?: string;
}

/**
 * The 400 Defender answers when a machine already has an active action of that kind. Not in Microsoft's table of
 * common errors; the code is the one seen in practice. It is handled as "already in that state".
 */
export const ACTIVE_REQUEST_EXISTS = { status: 400, code: 'ActiveRequestAlreadyExists' } as const;

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** The marker that ties a Defender action to our request: how a redelivered execute finds its own action. */
export function requestMarker(requestId: string): string {
  return `[soc-copilot:${requestId}]`;
}

function approversOf(context: RunbookContext): string {
  const names = context.approvedBy.map((a) => a.replace(/[\u0000-\u001f\u007f-\u009f\]]/gu, '').slice(0, 128)).filter((a) => a !== '');
  return names.join(', ') || 'unknown';
}

/** The comment of an action: our marker, what and who approved it; no alert text beyond the defanged target. */
export function commentOf(verb: string, target: string, context: RunbookContext): string {
  checkRequestId(context.requestId);
  return `${requestMarker(context.requestId)} ${verb} ${defang(target)} approved by ${approversOf(context)}`.slice(0, 1000);
}

function checkRequestId(requestId: string): void {
  if (!REQUEST_ID.test(requestId)) throw new AppError(ErrorCode.VALIDATION_FAILED, 'a containment request id may hold only letters, digits and . _ : -', { retryable: false });
}

const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9._-]{0,252})$/;

/**
 * `isolate-host` against Defender for Endpoint:
 * - resolve: `GET /api/machines?$filter=computerDnsName eq '<name>'` (exactly one machine, else a refusal);
 * - execute: `POST /api/machines/{id}/isolate` `{Comment, IsolationType}` after looking for our own earlier action
 *   (`GET /api/machineactions?$filter=machineId eq '<id>' and type eq 'Isolate'`, marker in `requestorComment`);
 * - verify: `GET /api/machineactions/{actionId}`;
 * - undo: `POST /api/machines/{id}/unisolate` `{Comment}`, with the same redelivery check on `Unisolate` actions.
 */
export class DefenderIsolateHostRunbook implements DefenderRunbook<HostTarget, HostIsolated, HostReleased> {
  readonly #client: DefenderClient;
  readonly #defaultIsolation: 'Selective' | 'Full';

  constructor(client: DefenderClient, opts: { defaultIsolation?: 'Selective' | 'Full' } = {}) {
    this.#client = client;
    this.#defaultIsolation = opts.defaultIsolation ?? 'Selective';
  }

  async dryRun(target: HostTarget, context: RunbookContext): Promise<Plan> {
    const machine = await this.#resolve(target.hostName);
    return {
      runbook: 'isolate-host',
      resolved: { machineId: machine.id, computerDnsName: machine.computerDnsName },
      calls: [this.#isolateCall(machine.id, target, context)],
    };
  }

  async execute(target: HostTarget, context: RunbookContext): Promise<HostIsolated> {
    checkRequestId(context.requestId);
    const machine = await this.#resolve(target.hostName);
    const base = { machineId: machine.id, computerDnsName: machine.computerDnsName };
    const ours = await this.#ourAction(machine.id, 'Isolate', context.requestId);
    if (ours) return { ...base, actionId: ours.id, origin: 'redelivered' };
    const answer = await this.#client.send<MachineAction>(this.#isolateCall(machine.id, target, context), 'Machine.Isolate', [ACTIVE_REQUEST_EXISTS]);
    if (answer.ok) return { ...base, actionId: actionIdOf(answer.body, 'isolate'), origin: 'created' };
    const active = await this.#activeAction(machine.id, 'Isolate');
    return { ...base, actionId: active.id, origin: 'already-isolating' };
  }

  async verify(executed: HostIsolated | HostReleased): Promise<VerifyResult> {
    const answer = await this.#client.send<MachineAction>({ method: 'GET', path: `/api/machineactions/${encodeURIComponent(executed.actionId)}` }, 'Machine.Read.All');
    if (!answer.ok) throw new Error('unreachable: no refusal is tolerated here');
    return statusOf(answer.body.status);
  }

  /**
   * Releases the device. An isolation this runbook did not make (`already-isolating`) is not released: someone
   * else isolated the device, and undoing their action is not ours to approve.
   */
  async undo(executed: HostIsolated, context: RunbookContext): Promise<HostReleased> {
    checkRequestId(context.requestId);
    if (executed.origin === 'already-isolating') {
      throw new AppError(ErrorCode.PRECONDITION_FAILED, `Defender device ${executed.machineId} was isolated by another action (${executed.actionId}); release it in the Defender portal`, { retryable: false });
    }
    const ours = await this.#ourAction(executed.machineId, 'Unisolate', context.requestId);
    if (ours) return { machineId: executed.machineId, actionId: ours.id, origin: 'redelivered' };
    const call: DefenderCall = {
      method: 'POST',
      path: `/api/machines/${encodeURIComponent(executed.machineId)}/unisolate`,
      body: { Comment: commentOf('release', executed.computerDnsName, context) },
    };
    const answer = await this.#client.send<MachineAction>(call, 'Machine.Isolate', [ACTIVE_REQUEST_EXISTS]);
    if (answer.ok) return { machineId: executed.machineId, actionId: actionIdOf(answer.body, 'unisolate'), origin: 'created' };
    const active = await this.#activeAction(executed.machineId, 'Unisolate');
    return { machineId: executed.machineId, actionId: active.id, origin: 'already-releasing' };
  }

  #isolateCall(machineId: string, target: HostTarget, context: RunbookContext): DefenderCall {
    return {
      method: 'POST',
      path: `/api/machines/${encodeURIComponent(machineId)}/isolate`,
      body: { Comment: commentOf('isolate', target.hostName, context), IsolationType: target.isolationType ?? this.#defaultIsolation },
    };
  }

  async #resolve(hostName: string): Promise<{ id: string; computerDnsName: string }> {
    if (!HOST_NAME.test(hostName)) {
      // odataString refuses control characters; a host name is narrower still.
      odataString(hostName);
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'not a device name Defender would know (letters, digits, . _ - only)', { retryable: false });
    }
    const filter = `computerDnsName eq ${odataString(hostName.toLowerCase())}`;
    const answer = await this.#client.send<{ value?: { id?: unknown; computerDnsName?: unknown }[] }>({ method: 'GET', path: `/api/machines${filterQuery(filter)}` }, 'Machine.Read.All');
    const machines = answer.ok && Array.isArray(answer.body?.value) ? answer.body.value : [];
    if (machines.length !== 1 || typeof machines[0]?.id !== 'string') {
      throw new AppError(ErrorCode.NOT_FOUND, machines.length === 0 ? `no Defender device is named ${hostName}` : `${machines.length} Defender devices are named ${hostName}; isolate one in the Defender portal`, {
        retryable: false,
        details: { matches: machines.length },
      });
    }
    return { id: machines[0].id, computerDnsName: typeof machines[0].computerDnsName === 'string' ? machines[0].computerDnsName : hostName };
  }

  async #actions(machineId: string, type: 'Isolate' | 'Unisolate'): Promise<MachineAction[]> {
    const filter = `machineId eq ${odataString(machineId)} and type eq '${type}'`;
    const answer = await this.#client.send<{ value?: MachineAction[] }>({ method: 'GET', path: `/api/machineactions${filterQuery(filter)}` }, 'Machine.Read.All');
    const list = answer.ok && Array.isArray(answer.body?.value) ? answer.body.value : [];
    return list.filter((a) => typeof a?.id === 'string' && a.type === type);
  }

  /** Our own earlier action of that type (marker in its comment) that has not failed or been cancelled. */
  async #ourAction(machineId: string, type: 'Isolate' | 'Unisolate', requestId: string): Promise<MachineAction | undefined> {
    const marker = requestMarker(requestId);
    return (await this.#actions(machineId, type)).find((a) => typeof a.requestorComment === 'string' && a.requestorComment.startsWith(marker) && statusOf(a.status) !== 'failed');
  }

  /** The action Defender said is already active: the newest pending or in-progress (else succeeded) one. */
  async #activeAction(machineId: string, type: 'Isolate' | 'Unisolate'): Promise<MachineAction> {
    const newestFirst = (await this.#actions(machineId, type)).sort((a, b) => (b.creationDateTimeUtc ?? '').localeCompare(a.creationDateTimeUtc ?? ''));
    const active = newestFirst.find((a) => statusOf(a.status) === 'pending') ?? newestFirst.find((a) => statusOf(a.status) === 'done');
    if (!active) {
      throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Defender said an ${type} action is already active on ${machineId} but lists none`, { retryable: true });
    }
    return active;
  }
}

function actionIdOf(body: MachineAction | undefined, what: string): string {
  if (typeof body?.id !== 'string' || body.id === '') throw new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, `Defender ${what} answered without a machine action id`, { retryable: false });
  return body.id;
}

/** Machine action statuses (`Pending`, `InProgress`, `Succeeded`, `Failed`, `TimeOut`, `Cancelled`). */
function statusOf(status: string): VerifyResult {
  if (status === 'Succeeded') return 'done';
  if (status === 'Pending' || status === 'InProgress') return 'pending';
  return 'failed';
}
