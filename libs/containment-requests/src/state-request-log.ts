import { hash } from 'node:crypto';
import type { ContainmentRunbook } from '@soc/contracts';
import { AppError, ErrorCode, isAppError } from '@soc/runtime';
import { type StateStore, updateWithRetry } from '@soc/state';
import { type ContainmentRequest, type RequestEvent, type RequestStatus, type RequestTarget, evolve, fold } from './decider.ts';
import type { FreezeEntry, FreezeState, FreezeSwitch, LoadedRequest, RequestLog } from './ports.ts';

const EVENTS = 'containment-request-events';
const STATUS = 'containment-request-status';
const FREEZE = 'containment-freeze';
/** More appends than one request ever needs (requested, two approvals, start, result, re-requests…). */
const MAX_APPENDS = 1000;

/** One append: a batch of events written once under `<requestId>:<version>`, never rewritten. */
interface AppendDoc {
  requestId: string;
  alertId: string;
  tenantId: string;
  version: number;
  /** The batch's event kinds joined with `+`; `execution-started` is always alone, so executions can be counted. */
  kind: string;
  at: string;
  /** Hash of tenant, target type and value: what the per-target cap counts. */
  targetKey: string;
  events: RequestEvent[];
}

/** The status index: where each request stands, for listings only (decisions fold the events). */
interface StatusDoc {
  requestId: string;
  alertId: string;
  tenantId: string;
  runbook: ContainmentRunbook;
  status: RequestStatus;
  version: number;
}

/** The per-target key: the same address, host or user of a tenant, whatever the runbook. */
export function targetKeyOf(tenantId: string, target: RequestTarget): string {
  return `t-${hash('sha256', `${tenantId}\n${target.type}\n${target.value.toLowerCase()}`, 'hex').slice(0, 32)}`;
}

const docId = (requestId: string, version: number) => `${requestId}:${String(version).padStart(6, '0')}`;

/**
 * Containment requests as append-only event streams in the state store: each append is one document created with
 * `ifNoneMatch: '*'` at the next version, so nothing is rewritten in place and two writers racing for a version
 * conflict (one wins, the other loads again and decides again). A status index per request serves listings.
 */
export class StateRequestLog implements RequestLog {
  private readonly store: StateStore;
  constructor(store: StateStore) {
    this.store = store;
  }

  async load(requestId: string): Promise<LoadedRequest> {
    const docs = await this.store.query<AppendDoc>(EVENTS, { where: { requestId }, orderBy: { field: 'version', direction: 'asc' }, limit: MAX_APPENDS });
    return { request: fold(docs.flatMap((d) => d.value.events)), version: docs.length };
  }

  async get(requestId: string): Promise<ContainmentRequest | undefined> {
    return (await this.load(requestId)).request;
  }

  async append(requestId: string, from: LoadedRequest, events: readonly RequestEvent[]): Promise<number> {
    const { version } = from;
    if (events.length === 0) return version;
    const after = events.reduce<ContainmentRequest | undefined>(evolve, from.request);
    if (after === undefined) throw new AppError(ErrorCode.INTERNAL, `A request stream must start with 'requested' (${requestId})`, { retryable: false });
    const next = version + 1;
    const doc: AppendDoc = {
      requestId,
      alertId: after.alertId,
      tenantId: after.tenantId,
      version: next,
      kind: events.map((e) => e.kind).join('+'),
      at: events[events.length - 1]?.at ?? '',
      targetKey: targetKeyOf(after.tenantId, after.target),
      events: [...events],
    };
    try {
      await this.store.put(EVENTS, docId(requestId, next), doc, { ifNoneMatch: '*' });
    } catch (error) {
      if (isAppError(error) && error.code === ErrorCode.CONFLICT) {
        throw new AppError(ErrorCode.CONFLICT, `Request ${requestId} changed while it was decided (version ${next} taken); decide again`, { retryable: true, cause: error });
      }
      throw error;
    }
    await this.index(after, next);
    return next;
  }

  async listForAlert(alertId: string): Promise<ContainmentRequest[]> {
    const docs = await this.store.query<StatusDoc>(STATUS, { where: { alertId }, limit: 100 });
    return this.foldAll(docs.map((d) => d.value.requestId));
  }

  async listByStatus(status: RequestStatus, query: { runbook?: ContainmentRunbook | undefined; limit?: number } = {}): Promise<ContainmentRequest[]> {
    const where: Record<string, string> = { status, ...(query.runbook !== undefined ? { runbook: query.runbook } : {}) };
    const docs = await this.store.query<StatusDoc>(STATUS, { where, limit: query.limit ?? 1000 });
    return this.foldAll(docs.map((d) => d.value.requestId));
  }

  async countExecutionsSince(query: { tenantId: string; target?: RequestTarget | undefined; since: string; exceptRequestId?: string | undefined }): Promise<number> {
    const where: Record<string, string> = { kind: 'execution-started', tenantId: query.tenantId, ...(query.target ? { targetKey: targetKeyOf(query.tenantId, query.target) } : {}) };
    const docs = await this.store.query<AppendDoc>(EVENTS, { where, orderBy: { field: 'at', direction: 'desc' }, limit: MAX_APPENDS });
    return new Set(docs.filter((d) => d.value.at >= query.since && d.value.requestId !== query.exceptRequestId).map((d) => d.value.requestId)).size;
  }

  private async foldAll(requestIds: readonly string[]): Promise<ContainmentRequest[]> {
    const requests = await Promise.all(requestIds.map((id) => this.get(id)));
    return requests.filter((r) => r !== undefined);
  }

  /** Moves the status index forward only: a slower writer of an older version never sets it back. */
  private async index(request: ContainmentRequest, version: number): Promise<void> {
    const next: StatusDoc = { requestId: request.requestId, alertId: request.alertId, tenantId: request.tenantId, runbook: request.runbook, status: request.status, version };
    await updateWithRetry<StatusDoc>(this.store, STATUS, request.requestId, (current) => (current !== undefined && current.version >= version ? undefined : next));
  }
}

const freezeId = (runbook: ContainmentRunbook | undefined) => (runbook === undefined ? 'global' : `runbook:${runbook}`);

/** The freeze switches as documents in the state store, one per scope, each holding who, when and why. */
export class StateFreezeSwitch implements FreezeSwitch {
  private readonly store: StateStore;
  constructor(store: StateStore) {
    this.store = store;
  }

  async read(): Promise<FreezeState> {
    const docs = await this.store.query<FreezeEntry>(FREEZE, { limit: 100 });
    const state: FreezeState = { global: null, runbooks: {} };
    for (const { value } of docs) {
      if (value.runbook === undefined) state.global = value;
      else state.runbooks[value.runbook] = value;
    }
    return state;
  }

  async set(entry: FreezeEntry): Promise<void> {
    await this.store.put(FREEZE, freezeId(entry.runbook), entry);
  }
}

/** The switch that freezes `runbook` now, if any: the global one first. */
export function freezeOf(state: FreezeState, runbook: ContainmentRunbook): FreezeEntry | undefined {
  if (state.global?.frozen === true) return state.global;
  const own = state.runbooks[runbook];
  return own?.frozen === true ? own : undefined;
}
