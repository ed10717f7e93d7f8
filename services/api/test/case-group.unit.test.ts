import { describe, expect, it } from 'vitest';
import { type Alert, AlertEnrichedV1, type SocEvent, causedBy, caseGroupKey } from '@soc/contracts';
import type { DeliveryInfo, EventHandler } from '@soc/bus';
import { isRetryable } from '@soc/runtime';
import { MemoryStateStore, type PutOptions, type StateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { type CaseGroup, type GroupMembership, MAX_GROUP_MEMBERS, applyObservation, groupIdFor, observationOf } from '../src/case-group.ts';
import { makeCaseProjector } from '../src/projector.ts';
import { decisionEvent, receivedEvent, sentinelAlerts, stormCopy } from './support/sentinel-alerts.ts';

const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
const T0 = Date.UTC(2026, 10, 23, 10, 0, 0);
const at = (minutes: number) => new Date(T0 + minutes * 60_000);
const instant = { sleep: async () => {} };

function setup(windowMinutes = 60) {
  const state = new MemoryStateStore();
  const cases = new StateCaseStore(state);
  const groups = new StateCaseGroupStore(state, { windowMinutes, retry: instant });
  return { cases, groups, project: makeCaseProjector(cases, groups) };
}

/** The shared store of several replicas, counting the writes that lost an etag race. */
class RacingStateStore extends MemoryStateStore implements StateStore {
  lostRaces = 0;
  override async put<T>(collection: string, id: string, value: T, options?: PutOptions): Promise<string> {
    try {
      return await super.put(collection, id, value, options);
    } catch (error) {
      if (collection === 'case-groups') this.lostRaces++;
      throw error;
    }
  }
}

/** Delivers as the bus does: a retryable failure (a lost race on a hot document) is delivered again. */
async function deliver(project: EventHandler, event: SocEvent): Promise<number> {
  for (let redeliveries = 0; ; redeliveries++) {
    try {
      await project(event, delivery);
      return redeliveries;
    } catch (error) {
      if (!isRetryable(error) || redeliveries > 50) throw error;
    }
  }
}

/** Runs the deliveries with `concurrency` in flight at once, as a consumer with maxConcurrency does. */
async function deliverAll(project: EventHandler, events: readonly SocEvent[], concurrency: number): Promise<number> {
  let next = 0;
  let redeliveries = 0;
  const worker = async () => {
    while (next < events.length) redeliveries += await deliver(project, events[next++]!);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  return redeliveries;
}

const real = sentinelAlerts();
const byRule = (rule: string, user?: string): Alert[] =>
  real.filter((a) => a.rule?.name === rule && (user === undefined || a.entities.some((e) => e.id === `user:${user}`)));
const powershellAdmin = byRule('Suspicious Powershell Activity Detected', 'msticalertswin1\\msticadmin');
const powershellMachine = byRule('Suspicious Powershell Activity Detected', 'workgroup\\msticalertswin1$');
const shadowCopyAdmin = byRule('Suspicious Volume Shadow Copy Activity', 'msticalertswin1\\msticadmin');

describe('case groups: a storm becomes one case with a count', () => {
  it('the fixture holds the real near-identical alerts these tests rely on', () => {
    expect([powershellAdmin.length, powershellMachine.length, shadowCopyAdmin.length]).toEqual([9, 4, 3]);
    expect(new Set(powershellAdmin.map(caseGroupKey)).size).toBe(1);
  });

  it('10,000 near-identical alerts delivered concurrently to 4 replicas, with redeliveries, make ONE group counting 10,000', async () => {
    const state = new RacingStateStore();
    const replicas = Array.from({ length: 4 }, () => {
      const cases = new StateCaseStore(state);
      return makeCaseProjector(cases, new StateCaseGroupStore(state, { windowMinutes: 60, retry: instant }));
    });
    const groups = new StateCaseGroupStore(state, { windowMinutes: 60 });
    const storm = Array.from({ length: 10_000 }, (_, i) => stormCopy(powershellAdmin[0]!, i));
    // One alert every 0.3 s: 50 minutes of storm, each alert well within the window of the one before.
    const events = storm.map((a, i) => receivedEvent(a, new Date(T0 + i * 300)));
    // 500 arrivals delivered a second time, mixed into the stream (at least once delivery).
    const again = events.filter((_, i) => i % 20 === 7);
    const all = [...events, ...again];
    // Each replica takes every fourth event, 8 at a time.
    await Promise.all(replicas.map((project, r) => deliverAll(project, all.filter((_, i) => i % 4 === r), 8)));
    expect(state.lostRaces).toBeGreaterThan(0); // the replicas did race on the group document

    const list = await groups.list({ limit: 10, tenants: '*' });
    expect(list).toHaveLength(1);
    const [group] = list;
    expect(group).toMatchObject({
      count: 10_000,
      title: 'Suspicious Powershell Activity Detected',
      severity: 'high',
      source: 'generic',
      key: caseGroupKey(storm[0]!),
      firstSeen: new Date(T0).toISOString(),
      lastSeen: new Date(T0 + 9_999 * 300).toISOString(),
    });
    expect(group!.groupId).toBe(groupIdFor(group!.key, group!.firstAlertId));
    expect(group!.memberIds).toHaveLength(MAX_GROUP_MEMBERS);
    expect(new Set(group!.memberIds).size).toBe(MAX_GROUP_MEMBERS);
    expect((await groups.groupOf(storm[4_321]!.alertId))?.groupId).toBe(group!.groupId);
  });

  it('different key entities or a different rule give different groups (real Sentinel alerts)', async () => {
    const { groups, project } = setup();
    const mixed = [...powershellAdmin, ...powershellMachine, ...shadowCopyAdmin];
    await deliverAll(project, mixed.map((a, i) => receivedEvent(a, at(i))), 4);
    const list = await groups.list({ limit: 10, tenants: '*' });
    expect(list.map((g) => [g.title, g.count]).sort()).toEqual([
      ['Suspicious Powershell Activity Detected', 4],
      ['Suspicious Powershell Activity Detected', 9],
      ['Suspicious Volume Shadow Copy Activity', 3],
    ]);
    const machineGroup = await groups.groupOf(powershellMachine[0]!.alertId);
    expect(machineGroup?.count).toBe(4);
    expect(new Set(machineGroup?.memberIds)).toEqual(new Set(powershellMachine.map((a) => a.alertId)));
  });

  it('an alert after the window opens a new group; a late alert still joins the group of its time', async () => {
    const { groups, project } = setup(60);
    const [a, b, c, d, late] = Array.from({ length: 5 }, (_, i) => stormCopy(powershellAdmin[0]!, i));
    await deliver(project, receivedEvent(a!, at(0)));
    await deliver(project, receivedEvent(b!, at(59))); // within 60 minutes of the last alert
    await deliver(project, receivedEvent(c!, at(118))); // within 60 of b, though 118 after a: the window slides
    await deliver(project, receivedEvent(d!, at(179))); // 61 minutes after c: a new group
    await deliver(project, receivedEvent(late!, at(30))); // delivered last, received in the first group's span
    const first = await groups.groupOf(a!.alertId);
    const second = await groups.groupOf(d!.alertId);
    expect(first).toMatchObject({ groupId: groupIdFor(caseGroupKey(a!), a!.alertId), count: 4, lastSeen: at(118).toISOString() });
    expect(second).toMatchObject({ groupId: groupIdFor(caseGroupKey(d!), d!.alertId), count: 1, firstAlertId: d!.alertId });
    expect((await groups.groupOf(late!.alertId))?.groupId).toBe(first?.groupId);
    expect((await groups.list({ limit: 10, tenants: '*' })).map((g) => g.groupId)).toEqual([second!.groupId, first!.groupId]);
  });

  it('redelivered events count nothing; the group keeps the worst triage, in any order', async () => {
    const { groups, project } = setup();
    const [a, b] = powershellMachine;
    const events: SocEvent[] = [
      decisionEvent(b!, at(1), 35, 'false-positive'), // a decision landing before its arrival
      receivedEvent(a!, at(0)),
      decisionEvent(a!, at(0), 85, 'true-positive'),
      receivedEvent(b!, at(1)),
    ];
    for (let round = 0; round < 3; round++) for (const e of events) await deliver(project, e);
    const group = await groups.groupOf(a!.alertId);
    expect(group).toMatchObject({ count: 2, riskScore: 85, riskLevel: 'critical', verdict: 'true-positive', firstSeen: at(0).toISOString() });
    expect(group!.memberIds).toHaveLength(2);
  });

  it('opens the group of a storm once when its first alerts race on several replicas', async () => {
    const state = new MemoryStateStore();
    const replicas = Array.from({ length: 4 }, () => new StateCaseGroupStore(state, { windowMinutes: 60, retry: instant }));
    const storm = Array.from({ length: 64 }, (_, i) => stormCopy(powershellAdmin[1]!, i));
    await Promise.all(storm.map((x, i) => replicas[i % 4]!.observe(observationOf(receivedEvent(x, at(0)))!)));
    expect((await replicas[0]!.list({ limit: 10, tenants: '*' })).map((g) => g.count)).toEqual([64]);
  });
});

describe('applyObservation', () => {
  const alert = powershellAdmin[0]!;
  const obs = observationOf(receivedEvent(alert, at(0)))!;
  const seed = { groupId: 'cg-1', key: obs.key, ...obs.seed };
  const group: CaseGroup = { ...seed, count: 1, firstSeen: obs.at, lastSeen: obs.at, riskScore: null, riskLevel: null, verdict: null, memberIds: [alert.alertId] };

  it('does not count an arrival its group already counted (a crash between the group write and the membership mark)', () => {
    const uncounted: GroupMembership = { alertId: alert.alertId, counted: false, seed };
    expect(applyObservation(group, obs, uncounted)).toBeUndefined();
  });

  it('counts a new arrival once and keeps the newest members first', () => {
    const other = stormCopy(alert, 1);
    const next = applyObservation(group, observationOf(receivedEvent(other, at(5)))!, { alertId: other.alertId, counted: false, seed });
    expect(next).toMatchObject({ count: 2, memberIds: [other.alertId, alert.alertId], lastSeen: at(5).toISOString(), firstSeen: at(0).toISOString() });
  });

  it('observes arrivals and decisions only, keyed by caseGroupKey', () => {
    const received = receivedEvent(alert, at(0));
    const enriched = causedBy(received, AlertEnrichedV1, { alert, enrichment: { facts: [], missing: [] } }, { source: '/soc/enrichment', time: at(1) });
    expect(observationOf(enriched)).toBeUndefined();
    expect(observationOf(decisionEvent(alert, at(0), 70, 'benign-positive'))).toMatchObject({
      alertId: alert.alertId,
      key: caseGroupKey(alert),
      isArrival: false,
      triage: { score: 70, level: 'high', verdict: 'benign-positive' },
    });
  });
});
