import { type Alert, type SocEvent, compareRevisions } from '@soc/contracts';
import type { EventHandler } from '@soc/bus';
import { NOTHING } from '@soc/bus';
import { leadCaseworkOf, observationOf } from './case-group.ts';
import { alertIdOf, toCaseEvent } from './case-view.ts';
import type { CaseIndex } from './case-index.ts';
import type { CaseGroupStore, CaseStore, CaseSummary } from './ports.ts';

/** The summary fields every event that carries the alert can fill. */
function alertFields(alert: Alert, correlationId: string): Pick<CaseSummary, 'alertId' | 'tenantId' | 'correlationId' | 'title' | 'severity' | 'source' | 'revision'> {
  return { alertId: alert.alertId, tenantId: alert.tenantId, correlationId, title: alert.title, severity: alert.severity, source: alert.source.name, revision: alert.revision ?? null };
}

/**
 * Merges a received stub (`replace` false) or a decision (`replace` true) into the stored summary. Pure. Within one
 * revision the received stub knows when the alert arrived and the decision knows everything else, either may land
 * first. A newer revision replaces an older one's summary (its stub shows the re-triage under way); an older
 * revision delivered late changes nothing. The receipt time stays the alert's first arrival.
 */
export function mergeSummary(current: CaseSummary | undefined, incoming: CaseSummary, replace: boolean): CaseSummary {
  if (!current) return incoming;
  const held = current.revision ?? null;
  const coming = incoming.revision ?? null;
  if (held === null || coming === null || held.key === coming.key) {
    return replace ? { ...incoming, receivedAt: current.receivedAt } : { ...current, receivedAt: incoming.receivedAt };
  }
  const firstArrival = Date.parse(incoming.receivedAt) < Date.parse(current.receivedAt) && !replace ? incoming.receivedAt : current.receivedAt;
  if (compareRevisions(coming, held) < 0) return { ...incoming, receivedAt: firstArrival };
  return { ...current, receivedAt: firstArrival };
}

/** The summary a journey's first and decisive events give. */
export function summaryOf(event: SocEvent): { summary: CaseSummary; replace: boolean } | undefined {
  if (event.type === 'soc.alert.received.v1') {
    return {
      replace: false,
      summary: {
        ...alertFields(event.data.alert, event.correlationid),
        receivedAt: event.data.receivedAt,
        stage: 'received',
        riskScore: null,
        riskLevel: null,
        verdict: null,
        actions: [],
      },
    };
  }
  if (event.type === 'soc.decision.made.v2') {
    const { alert, triage, actions } = event.data;
    return {
      replace: true,
      summary: {
        ...alertFields(alert, event.correlationid),
        // Replaced by the received time when the received stub is already stored (see StateCaseStore.putSummary).
        receivedAt: alert.detectedAt,
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
 * The case view's bus handler: records every event under its alert, files alert arrivals and decisions under the
 * alert's case group, puts a lead alert's assignment and status on its group, and, with an `index`, indexes arrivals'
 * entities and titles and notes' text for pivot and search.
 */
export function makeCaseProjector(store: CaseStore, groups: CaseGroupStore, index?: CaseIndex): EventHandler {
  return async (event) => {
    // Every event of a journey carries the alert id as its CloudEvents subject (causedBy copies it), so even a
    // dead-letter notice finds its case; an event with neither is filed under its correlation id.
    const alertId = alertIdOf(event) ?? event.subject ?? `correlation:${event.correlationid}`;
    await store.append(toCaseEvent(event, alertId));
    const summary = summaryOf(event);
    if (summary) await store.putSummary(summary.summary, summary.replace);
    // After the summary (a note is ordered by its case's receipt); idempotent puts, bounded per alert.
    await index?.indexEvent(event);
    // Last, so a contended group write (retryable) redelivers an event whose other writes are already no-ops.
    const observation = observationOf(event);
    if (observation) await groups.observe(observation);
    // A lead alert's assignment and status are its group's, for the queue's filters.
    const casework = leadCaseworkOf(event);
    if (casework) await groups.recordLeadCasework(casework);
    return NOTHING;
  };
}
