import { Registry } from 'prom-client';
import { describe, expect, it } from 'vitest';
import { AlertEnrichedV1, type Alert, causedBy } from '@soc/contracts';
import { sampleAlert } from '@soc/contracts/testing';
import type { DeliveryInfo } from '@soc/bus';
import { createLogger } from '@soc/observability';
import { memoryLog } from '@soc/observability/testing';
import { manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { scanStalled, startJourneyWatchdog } from '../src/journey-watchdog.ts';
import { makeCaseProjector } from '../src/projector.ts';
import { countByStage, findStalled } from '../src/watchdog.ts';
import { decisionEvent, receivedEvent } from './support/sentinel-alerts.ts';

const t0 = new Date('2026-11-23T10:00:00.000Z');
const later = (seconds: number) => new Date(t0.getTime() + seconds * 1000);
const journey = (alertId: string, stage: 'received' | 'enriched' | 'triaged' | 'decided', receivedAt: Date) => ({
  alertId,
  correlationId: `corr-${alertId}`,
  stage,
  receivedAt: receivedAt.toISOString(),
});

describe('findStalled (pure)', () => {
  it('lists undecided journeys at least the threshold old, oldest first, with stage and age', () => {
    const stalled = findStalled(
      [
        journey('young', 'received', later(250)),
        journey('decided-long-ago', 'decided', t0),
        journey('at-triage', 'triaged', later(10)),
        journey('at-receipt', 'received', t0),
        journey('exactly-due', 'enriched', later(100)),
      ],
      later(400),
      300_000,
    );
    expect(stalled).toEqual([
      { alertId: 'at-receipt', correlationId: 'corr-at-receipt', stage: 'received', receivedAt: t0.toISOString(), ageSeconds: 400 },
      { alertId: 'at-triage', correlationId: 'corr-at-triage', stage: 'triaged', receivedAt: later(10).toISOString(), ageSeconds: 390 },
      { alertId: 'exactly-due', correlationId: 'corr-exactly-due', stage: 'enriched', receivedAt: later(100).toISOString(), ageSeconds: 300 },
    ]);
    expect(countByStage(stalled)).toEqual({ received: 1, enriched: 1, triaged: 1 });
    expect(countByStage([])).toEqual({ received: 0, enriched: 0, triaged: 0 });
  });

  it('a decided alert is never stalled, however old', () => {
    expect(findStalled([journey('d', 'decided', t0)], later(10 * 86_400), 1_000)).toEqual([]);
  });
});

// The case view as the api builds it (projector over the embedded state store), fed journeys that stop at a stage.
const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
function caseView() {
  const state = new MemoryStateStore();
  const cases = new StateCaseStore(state);
  const project = makeCaseProjector(cases, new StateCaseGroupStore(state, { windowMinutes: 60 }));
  return { cases, project: (e: Parameters<typeof project>[0]) => project(e, delivery) };
}
const alertNamed = (alertId: string): Alert => sampleAlert({ alertId, source: { ...sampleAlert().source, vendorAlertId: alertId } });
const enrichedEvent = (alert: Alert, receivedAt: Date) =>
  causedBy(receivedEvent(alert, receivedAt), AlertEnrichedV1, { alert, enrichment: { facts: [], missing: [] } }, { source: '/soc/enrichment', time: later(1) });

describe('scanStalled over the case view', () => {
  it('finds the stage each stalled alert stopped at; a decided alert and a young one are not stalled', async () => {
    const { cases, project } = caseView();
    const stuckAtReceipt = alertNamed('alt-stuck-received');
    const stuckAtEnrichment = alertNamed('alt-stuck-enriched');
    const decided = alertNamed('alt-decided');
    const young = alertNamed('alt-young');
    await project(receivedEvent(stuckAtReceipt, t0));
    await project(receivedEvent(stuckAtEnrichment, t0));
    await project(enrichedEvent(stuckAtEnrichment, t0));
    await project(receivedEvent(decided, t0));
    await project(decisionEvent(decided, t0, 50, 'true-positive'));
    await project(receivedEvent(young, later(200)));

    const stalled = await scanStalled(cases, later(301), 300_000);
    expect(stalled.map((s) => [s.alertId, s.stage, s.ageSeconds])).toEqual([
      ['alt-stuck-enriched', 'enriched', 301],
      ['alt-stuck-received', 'received', 301],
    ]);
    expect(stalled[1]?.correlationId).toBe('corr-alt-stuck-received');
    expect(await scanStalled(cases, later(299), 300_000)).toEqual([]);
  });

  it('a decision whose summary has not caught up is not a stall', async () => {
    const { cases, project } = caseView();
    const alert = alertNamed('alt-summary-lags');
    await project(receivedEvent(alert, t0));
    // Only the case event, not the summary: as when the decision's summary write is still to be retried.
    await cases.append({ ...(await cases.events(alert.alertId))[0]!, eventId: 'dec-1', type: 'soc.decision.made.v2', time: later(2).toISOString(), data: {} });
    expect(await scanStalled(cases, later(400), 300_000)).toEqual([]);
  });

  it('ages a re-sent alert from its newest revision: a revision in flight is not a stall, one stuck is', async () => {
    const { cases, project } = caseView();
    const first: Alert = { ...alertNamed('alt-revised'), revision: { key: `rev-${'1'.repeat(32)}`, receivedAt: t0.toISOString() } };
    await project(receivedEvent(first, t0));
    await project(decisionEvent(first, t0, 50, 'true-positive'));
    // The source re-sends it changed, 290 s after the first arrival: a new revision, not yet decided.
    const second: Alert = { ...first, severity: 'critical', revision: { key: `rev-${'2'.repeat(32)}`, receivedAt: later(290).toISOString() } };
    await project({ ...receivedEvent(second, later(290)), id: 'rcv-alt-revised-2' });
    expect(await scanStalled(cases, later(301), 300_000)).toEqual([]);
    const stalled = await scanStalled(cases, later(600), 300_000);
    expect(stalled.map((s) => [s.alertId, s.stage, s.ageSeconds])).toEqual([['alt-revised', 'received', 310]]);
  });
});

describe('the journey watchdog (timer shell)', () => {
  it('sets soc_alerts_stalled by stage, warns once per stalled alert with its ids and stage, and clears when decided', async () => {
    const { cases, project } = caseView();
    const clock = manualClock(t0);
    const log = memoryLog();
    const registry = new Registry();
    const watchdog = startJourneyWatchdog({
      cases,
      clock,
      log: createLogger({ service: 'api', destination: log.destination }),
      registry,
      stallAfterMs: 60_000,
      intervalMs: 3_600_000, // the test drives scans itself
    });
    try {
      const alert = alertNamed('alt-watch');
      await project(receivedEvent(alert, t0));
      await project(enrichedEvent(alert, t0));
      const gauge = async () => (await registry.getSingleMetric('soc_alerts_stalled')?.get())?.values.map((v) => [v.labels.stage, v.value]);

      clock.advance(30_000);
      expect(await watchdog.scan()).toEqual([]);
      expect(await gauge()).toEqual([['received', 0], ['enriched', 0], ['triaged', 0]]);

      clock.advance(31_000);
      expect((await watchdog.scan()).map((s) => s.stage)).toEqual(['enriched']);
      await watchdog.scan();
      expect(await gauge()).toEqual([['received', 0], ['enriched', 1], ['triaged', 0]]);
      const warnings = log.lines().filter((l) => l.level === 'warn');
      expect(warnings).toHaveLength(1);
      expect(warnings[0]).toMatchObject({ alertId: 'alt-watch', correlationid: 'corr-alt-watch', stage: 'enriched', ageSeconds: 61 });
      expect(String(warnings[0]?.msg)).toMatch(/stalled/);
      // No alert text in the log: the watchdog logs ids only.
      expect(log.text()).not.toContain(alert.title);

      await project(decisionEvent(alert, t0, 50, 'true-positive'));
      expect(await watchdog.scan()).toEqual([]);
      expect(await gauge()).toEqual([['received', 0], ['enriched', 0], ['triaged', 0]]);
    } finally {
      await watchdog.close();
    }
  });
});
