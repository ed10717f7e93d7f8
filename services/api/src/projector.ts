import type { SocEvent } from '@soc/contracts';
import type { EventHandler } from '@soc/bus';
import { NOTHING } from '@soc/bus';
import { alertIdOf, toCaseEvent } from './case-view.ts';
import type { CaseStore, CaseSummary } from './ports.ts';

/** The summary a journey's first and decisive events give. */
export function summaryOf(event: SocEvent): { summary: CaseSummary; replace: boolean } | undefined {
  if (event.type === 'soc.alert.received.v1') {
    const a = event.data.alert;
    return {
      replace: false,
      summary: {
        alertId: a.alertId,
        correlationId: event.correlationid,
        title: a.title,
        severity: a.severity,
        source: a.source.name,
        receivedAt: event.data.receivedAt,
        stage: 'received',
        riskScore: null,
        riskLevel: null,
        verdict: null,
        actions: [],
      },
    };
  }
  if (event.type === 'soc.decision.made.v1') {
    const { alert: a, triage, actions } = event.data;
    return {
      replace: true,
      summary: {
        alertId: a.alertId,
        correlationId: event.correlationid,
        title: a.title,
        severity: a.severity,
        source: a.source.name,
        receivedAt: a.detectedAt,
        stage: 'decided',
        riskScore: triage.risk.score,
        riskLevel: triage.risk.level,
        verdict: triage.verdict.class,
        actions: actions.map((x) => x.kind),
      },
    };
  }
  return undefined;
}

/**
 * The case view's bus handler: records every event under its alert.
 */
export function makeCaseProjector(store: CaseStore): EventHandler {
  return async (event) => {
    // Every event of a journey carries the alert id as its CloudEvents subject (causedBy copies it), so even a
    // dead-letter notice finds its case; an event with neither is filed under its correlation id.
    const alertId = alertIdOf(event) ?? event.subject ?? `correlation:${event.correlationid}`;
    await store.append(toCaseEvent(event, alertId));
    const summary = summaryOf(event);
    if (summary) {
      // The decision's summary carries the received time from the stub when it is there.
      await store.putSummary(summary.summary, summary.replace);
    }
    return NOTHING;
  };
}
