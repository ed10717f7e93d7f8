import { describe, expect, it } from 'vitest';
import {
  AlertReceivedV1,
  ContainmentApprovedV2,
  ContainmentExecutedV2,
  ContainmentRequestedV2,
  DecisionMadeV2,
  NotificationSentV1,
  ProcessingFailedV1,
  type Alert,
  alertRevisionOf,
  type SocEvent,
  causedBy,
  createEvent,
} from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import type { DeliveryInfo } from '@soc/bus';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { foldCase } from '../src/case-view.ts';
import { makeCaseProjector } from '../src/projector.ts';

const alert: Alert = sampleAlert({
  alertId: 'alt-v',
  title: 'Possible credential dumping detected',
  entities: [{ id: 'host:web01', type: 'host', value: 'web01', origin: 'source' }],
});
const triage = {
  engine: { name: 'deterministic' as const, version: 't' },
  risk: { score: 90, level: 'critical' as const, factors: [] },
  verdict: { class: 'true-positive' as const, likelihoods: { truePositive: 0.9, benignPositive: 0.05, falsePositive: 0.05 } },
  summary: 's',
  nextSteps: [],
  attack: [],
};
const at = (s: number) => new Date(Date.UTC(2026, 10, 23, 10, 0, s));
const received = createEvent(AlertReceivedV1, { alert, receivedAt: at(0).toISOString(), receivedVia: 'http', sender: 't', priority: 'high' }, { id: 'r', source: '/soc/ingestion', time: at(0), correlationid: 'corr-v', tenantid: 'contoso', subject: 'alt-v' });
const decision = causedBy(received, DecisionMadeV2, { alert, triage, policy: { id: 'p', version: '1' }, actions: [], rejected: [] }, { source: '/soc/decision', time: at(1) });
const requested = causedBy(decision, ContainmentRequestedV2, { requestId: 'cr-1', alertId: 'alt-v', actionId: 'a', runbook: 'isolate-host', target: { entityId: 'host:web01', type: 'host', value: 'web01' }, reason: 'r', status: 'pending-approval', expiresAt: at(100).toISOString() }, { source: '/soc/containment', time: at(2) });
const approved = causedBy(requested, ContainmentApprovedV2, { requestId: 'cr-1', alertId: 'alt-v', approver: 'alice', decidedAt: at(3).toISOString(), comment: 'go' }, { source: '/soc/api', time: at(3) });
const executed = causedBy(approved, ContainmentExecutedV2, { requestId: 'cr-1', alertId: 'alt-v', runbook: 'isolate-host', target: requested.data.target, approvedBy: 'alice', dryRun: true, result: 'DRY RUN' }, { source: '/soc/containment', time: at(4) });
const failed = causedBy(executed, ProcessingFailedV1, { subscription: 'x', failedEventId: executed.id, failedEventType: executed.type, reason: 'MaxDeliveryCountExceeded', description: 'boom', deliveryCount: 5 }, { source: '/soc/bus', time: at(5) });
const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };

describe('case view', () => {
  it('folds a journey into the case, in causal order, whatever order events arrived in', async () => {
    const state = new MemoryStateStore();
    const store = new StateCaseStore(state);
    const project = makeCaseProjector(store, new StateCaseGroupStore(state, { windowMinutes: 60 }));
    const events: SocEvent[] = [received, decision, requested, approved, executed, failed];
    for (const e of [...events].reverse()) await project(e, delivery);
    for (const e of events) await project(e, delivery); // redeliveries change nothing
    const view = foldCase('alt-v', await store.events('alt-v'));
    expect(view.timeline.map((t) => t.type)).toEqual(events.map((e) => e.type));
    expect(new Set(view.timeline.map((t) => t.correlationid))).toEqual(new Set(['corr-v']));
    expect(view.timeline[1]!.causationid).toBe(received.id);
    expect(view).toMatchObject({ stage: 'decided', receivedAt: at(0).toISOString(), alert: { title: alert.title }, triage: { risk: { score: 90 } } });
    expect(view.containment).toEqual([expect.objectContaining({ requestId: 'cr-1', status: 'executed', decidedBy: 'alice', dryRun: true })]);
    expect(view.failures).toHaveLength(1);
    expect((await store.findRequest('cr-1'))?.eventId).toBe(requested.id);
    const [summary] = await store.listSummaries({ limit: 10, tenants: '*' });
    expect(summary).toMatchObject({ alertId: 'alt-v', stage: 'decided', riskScore: 90, receivedAt: at(0).toISOString() });
  });

  it('files an event naming neither alert nor subject under its correlation id, and the case still shows it', async () => {
    const state = new MemoryStateStore();
    const store = new StateCaseStore(state);
    const project = makeCaseProjector(store, new StateCaseGroupStore(state, { windowMinutes: 60 }));
    await project(received, delivery);
    const orphan = createEvent(ProcessingFailedV1, { subscription: 'triage', failedEventId: 'e', failedEventType: 'soc.alert.enriched.v1', reason: 'SchemaValidationFailed', description: 'd', deliveryCount: 1 }, { id: 'pf', source: '/soc/bus', time: at(9), correlationid: 'corr-v', tenantid: 'contoso' });
    await project(orphan, delivery);
    expect(foldCase('alt-v', await store.events('alt-v')).failures).toHaveLength(1);
  });

  it('lists the revisions newest first and shows the newest one, even when an older revision is delivered after it', async () => {
    const state = new MemoryStateStore();
    const store = new StateCaseStore(state);
    const project = makeCaseProjector(store, new StateCaseGroupStore(state, { windowMinutes: 60 }));
    const journey = (severity: 'low' | 'critical', modifiedAt: string, receivedAt: Date, score: number) => {
      const content = { ...alert, severity, status: severity === 'critical' ? ('in_progress' as const) : ('new' as const), modifiedAt };
      const version = { ...content, revision: alertRevisionOf(content, receivedAt) };
      const r = createEvent(AlertReceivedV1, { alert: version, receivedAt: receivedAt.toISOString(), receivedVia: 'http', sender: 'sentinel-playbook', priority: 'high' }, { id: `r-${severity}`, source: '/soc/ingestion', time: receivedAt, correlationid: 'corr-v', tenantid: 'contoso', subject: 'alt-v' });
      const d = causedBy(r, DecisionMadeV2, { alert: version, triage: { ...triage, risk: { ...triage.risk, score } }, policy: { id: 'p', version: '1' }, actions: [], rejected: [] }, { source: '/soc/decision', time: new Date(receivedAt.getTime() + 1000) });
      const n = causedBy(d, NotificationSentV1, { alertId: 'alt-v', actionId: `act-${severity}`, channel: 'email', destinations: ['soc@contoso.example'], subject: severity, deliveryId: `m-${severity}` }, { source: '/soc/notification', time: new Date(receivedAt.getTime() + 2000) });
      return { events: [r, d, n], key: version.revision.key };
    };
    // The source changed the alert at 09:10; the update reached us first and the original, retried, last.
    const older = journey('low', '2026-11-23T09:00:00Z', at(30), 40);
    const newer = journey('critical', '2026-11-23T09:10:00Z', at(10), 95);
    for (const e of [...newer.events, ...older.events]) await project(e, delivery);
    for (const e of older.events) await project(e, delivery); // a redelivery changes nothing
    const view = foldCase('alt-v', await store.events('alt-v'));
    expect(view).toMatchObject({ stage: 'decided', alert: { severity: 'critical' }, triage: { risk: { score: 95 } }, receivedAt: at(10).toISOString() });
    expect(view.revisions).toEqual([
      expect.objectContaining({ key: newer.key, current: true, severity: 'critical', status: 'in_progress', sender: 'sentinel-playbook', riskScore: 95, changes: ['severity: low → critical', 'status: new → in_progress'] }),
      expect.objectContaining({ key: older.key, current: false, severity: 'low', riskScore: 40, changes: [] }),
    ]);
    expect(view.notifications.map((n) => [n.subject, n.revision])).toEqual([['critical', newer.key], ['low', older.key]]);
    const [summary] = await store.listSummaries({ limit: 10, tenants: '*' });
    expect(summary).toMatchObject({ severity: 'critical', riskScore: 95, stage: 'decided', revision: { key: newer.key } });
  });
});
