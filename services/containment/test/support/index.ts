import { StateFreezeSwitch, StateRequestLog } from '@soc/containment-requests';
import { type Alert, DecisionMadeV2, type Enrichment, type SocEvent, createEvent } from '@soc/contracts';
import type { DeliveryInfo } from '@soc/bus';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore, type StateStore } from '@soc/state';
import { DryRunRunbooks } from '../../src/adapters/dry-run-runbooks.ts';
import { type ContainmentDeps, makeContainmentHandler } from '../../src/handler.ts';
import type { AuditEntry, AuditTrail, ContainmentRequest, RunbookExecuted, RunbookExecutor, RunbookVerification } from '../../src/ports.ts';

/** An in-memory audit trail (a fake of the port): keeps every entry; `failing` makes every append throw. */
export class MemoryAuditTrail implements AuditTrail {
  readonly entries: AuditEntry[] = [];
  failing = false;
  async append(entry: AuditEntry): Promise<{ seq: number; hash: string }> {
    if (this.failing) throw new Error('audit store unavailable');
    this.entries.push(entry);
    return { seq: this.entries.length, hash: `h${this.entries.length}` };
  }
  kinds(): string[] {
    return this.entries.map((e) => e.kind);
  }
}

/** What a test's executor may leave out: execute may answer a bare summary; verify and undo default to success. */
export interface FakeRunbooks {
  isDryRun: () => boolean;
  plan?: RunbookExecutor['plan'];
  execute: (request: ContainmentRequest) => Promise<string | RunbookExecuted>;
  verify?: RunbookExecutor['verify'];
  undo?: RunbookExecutor['undo'];
}

/** A whole {@link RunbookExecutor} from a test's fake (a fake of the port, not of our code). */
export function executor(fake: FakeRunbooks): RunbookExecutor {
  return {
    isDryRun: fake.isDryRun,
    plan: fake.plan ?? (async () => undefined),
    execute: async (request) => {
      const out = await fake.execute(request);
      return typeof out === 'string' ? { summary: out, effect: {} } : out;
    },
    verify: fake.verify ?? (async () => ({ outcome: 'in-effect', finding: 'checked: in effect' })),
    undo: fake.undo ?? (async (request) => `undid ${request.runbook} on ${request.target.value}`),
  };
}

/** A runbook executor that counts its runs and answers `result` (or throws it when it is an Error). */
export class CountingRunbooks implements RunbookExecutor {
  readonly dryRun: boolean;
  runs = 0;
  private readonly result: string | Error | undefined;
  constructor(result?: string | Error, dryRun = true) {
    this.result = result;
    this.dryRun = dryRun;
  }
  isDryRun(): boolean {
    return this.dryRun;
  }
  async plan(): Promise<string | undefined> {
    return undefined;
  }
  async execute(request: ContainmentRequest): Promise<RunbookExecuted> {
    this.runs++;
    if (this.result instanceof Error) throw this.result;
    return { summary: this.result ?? `ran ${request.runbook} on ${request.target.value} (${this.runs})`, effect: {} };
  }
  verifies = 0;
  async verify(): Promise<RunbookVerification> {
    this.verifies++;
    return { outcome: 'in-effect', finding: 'checked: in effect' };
  }
  undos = 0;
  async undo(request: ContainmentRequest): Promise<string> {
    this.undos++;
    return `undid ${request.runbook} on ${request.target.value}`;
  }
}

export const ENV = { source: '/test', time: new Date('2026-11-23T10:00:00Z'), correlationid: 'corr-c', tenantid: 'contoso' };
export const DELIVERY: DeliveryInfo = { subscription: 'containment', deliveryCount: 1, signal: new AbortController().signal };

/** A decision asking for `runbook` on one target of `alert`. */
export function decisionFor(
  alert: Alert,
  action: { actionId: string; runbook: 'block-ip' | 'block-url' | 'isolate-host'; target: { entityId: string; type: string; value: string } },
  id = 'd-1',
  enrichment?: Enrichment,
) {
  return createEvent(
    DecisionMadeV2,
    {
      alert,
      triage: {
        engine: { name: 'deterministic', version: 't' },
        risk: { score: 95, level: 'critical', factors: [] },
        verdict: { class: 'true-positive', likelihoods: { truePositive: 0.95, benignPositive: 0.03, falsePositive: 0.02 } },
        summary: 's',
        nextSteps: [],
        attack: [],
      },
      ...(enrichment !== undefined ? { enrichment } : {}),
      policy: { id: 'default', version: '1' },
      actions: [
        { kind: 'RunContainment', requiresApproval: true, reason: 'critical', ...action },
        { kind: 'SendEmail', actionId: `${action.actionId}-mail`, to: ['soc@example.org'], template: 'alert-summary', reason: 'x' },
      ],
      rejected: [],
    },
    { ...ENV, id },
  );
}

/** The containment handler on `store` with fakes for everything else; overrides replace any dependency. */
export function setupContainment(options: { store?: StateStore; runbooks?: RunbookExecutor } & Partial<Omit<ContainmentDeps, 'runbooks'>> = {}) {
  const store = options.store ?? new MemoryStateStore();
  const requests = new StateRequestLog(store);
  const freeze = new StateFreezeSwitch(store);
  const audit = new MemoryAuditTrail();
  const clock = manualClock('2026-11-23T10:00:00Z');
  const deps: ContainmentDeps = {
    requests,
    freeze,
    audit,
    clock,
    runbooks: options.runbooks ?? new DryRunRunbooks(),
    approvalTtlMs: 60 * 60_000,
    approvalsRequired: () => 1,
    recheck: async () => undefined,
    limits: { perTargetPerHour: 3, perTenantPerHour: 20 },
    ...options,
  };
  const handler = makeContainmentHandler(deps);
  return { ...deps, audit: deps.audit as MemoryAuditTrail, store, clock, handle: (e: SocEvent) => handler(e, DELIVERY) };
}

/**
 * A state store that stops "the process" once: the first write of a request append whose kinds match `kind` throws,
 * as a crash between the runbook's call and the record of its result would. Everything else goes to `inner`.
 */
export class CrashOnceStateStore implements StateStore {
  private readonly inner: StateStore;
  private readonly kind: RegExp;
  crashed = false;
  constructor(inner: StateStore, kind: RegExp) {
    this.inner = inner;
    this.kind = kind;
  }
  get: StateStore['get'] = (c, id) => this.inner.get(c, id);
  delete: StateStore['delete'] = (c, id, o) => this.inner.delete(c, id, o);
  query: StateStore['query'] = (c, q) => this.inner.query(c, q);
  claimIdempotencyKey: StateStore['claimIdempotencyKey'] = (k, t) => this.inner.claimIdempotencyKey(k, t);
  close: StateStore['close'] = () => this.inner.close();
  put: StateStore['put'] = async (collection, id, value, options) => {
    const kind = (value as { kind?: unknown }).kind;
    if (!this.crashed && collection === 'containment-request-events' && typeof kind === 'string' && this.kind.test(kind)) {
      this.crashed = true;
      throw new Error('process killed');
    }
    return this.inner.put(collection, id, value, options);
  };
}
