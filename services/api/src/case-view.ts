import type { Action, Alert, Disposition, Enrichment, SocEvent, Triage } from '@soc/contracts';

/** One event of a case, as the case view stores it. */
export interface CaseEventDoc {
  alertId: string;
  eventId: string;
  type: string;
  time: string;
  source: string;
  correlationid: string;
  causationid: string | null;
  /** Set on containment events so approvals can find their request. */
  requestId: string | null;
  data: unknown;
}

/** A line of the case timeline. */
export interface TimelineEntry {
  type: string;
  time: string;
  id: string;
  source: string;
  correlationid: string;
  causationid: string | null;
}

/** A containment request as the case shows it. */
export interface CaseContainment {
  requestId: string;
  runbook: string;
  target: { entityId: string; type: string; value: string };
  status: 'pending-approval' | 'approved' | 'denied' | 'executed' | 'failed';
  expiresAt: string;
  decidedBy?: string;
  comment?: string;
  result?: string;
  dryRun?: boolean;
}

/** The case as it stands: a fold over every event of the alert's journey. */
export interface CaseView {
  alertId: string;
  correlationId: string;
  stage: 'received' | 'enriched' | 'triaged' | 'decided';
  alert: Alert | null;
  receivedAt: string | null;
  enrichment: Enrichment | null;
  triage: Triage | null;
  decision: { policy: { id: string; version: string }; actions: Action[]; rejected: { kind: string; reason: string }[]; decidedAt: string } | null;
  notifications: { channel: string; destinations: string[]; subject: string; deliveryId: string; time: string }[];
  tickets: { system: string; ticketId: string; url?: string; status: string; priority: number; time: string }[];
  containment: CaseContainment[];
  failures: { subscription: string; failedEventType: string; reason: string; description: string; time: string }[];
  /** The analyst's latest disposition; a changed one supersedes the earlier. */
  disposition: { disposition: Disposition; note?: string; analyst: string; at: string } | null;
  timeline: TimelineEntry[];
}

/** An event's type and data, discriminated, without the envelope. */
type TypedData = SocEvent extends infer E ? (E extends SocEvent ? { type: E['type']; data: E['data'] } : never) : never;

/** The alert an event belongs to, when the event names it. */
export function alertIdOf(event: SocEvent): string | undefined {
  switch (event.type) {
    case 'soc.alert.received.v1':
    case 'soc.alert.enriched.v1':
    case 'soc.alert.triaged.v1':
    case 'soc.decision.made.v1':
      return event.data.alert.alertId;
    case 'soc.notification.sent.v1':
    case 'soc.ticket.created.v1':
    case 'soc.ticket.updated.v1':
    case 'soc.containment.requested.v1':
    case 'soc.containment.approved.v1':
    case 'soc.containment.denied.v1':
    case 'soc.containment.executed.v1':
    case 'soc.containment.failed.v1':
      return event.data.alertId;
    case 'soc.processing.failed.v1':
      return event.data.alertId;
    case 'soc.alert.dispositioned.v1':
      return event.data.alertId;
    case 'soc.report.generated.v1':
      return undefined; // a report belongs to no journey (the case view does not subscribe to it)
  }
}

/** The stored form of an event of a case. */
export function toCaseEvent(event: SocEvent, alertId: string): CaseEventDoc {
  const requestId = 'requestId' in (event.data as object) ? (event.data as { requestId: string }).requestId : null;
  return {
    alertId,
    eventId: event.id,
    type: event.type,
    time: event.time,
    source: event.source,
    correlationid: event.correlationid,
    causationid: event.causationid ?? null,
    requestId,
    data: storedData(event),
  };
}

/**
 * The alert travels in every event of the journey up to the decision; the case keeps it once, from the received
 * event, and only the new part of the later ones (about half the bytes the case view writes).
 */
function storedData(event: SocEvent): unknown {
  if (event.type === 'soc.alert.enriched.v1' || event.type === 'soc.alert.triaged.v1' || event.type === 'soc.decision.made.v1') {
    const { alert: _alert, ...rest } = event.data;
    return rest;
  }
  return event.data;
}

const STAGE_RANK: Readonly<Record<string, number>> = {
  'soc.alert.received.v1': 0,
  'soc.alert.enriched.v1': 1,
  'soc.alert.triaged.v1': 2,
  'soc.decision.made.v1': 3,
};

/** Folds a case's events (any order) into the case view. Pure. */
export function foldCase(alertId: string, docs: readonly CaseEventDoc[]): CaseView {
  const events = [...docs].sort((a, b) => (a.time === b.time ? (STAGE_RANK[a.type] ?? 9) - (STAGE_RANK[b.type] ?? 9) : a.time < b.time ? -1 : 1));
  const view: CaseView = {
    alertId,
    correlationId: events[0]?.correlationid ?? '',
    stage: 'received',
    alert: null,
    receivedAt: null,
    enrichment: null,
    triage: null,
    decision: null,
    notifications: [],
    tickets: [],
    containment: [],
    failures: [],
    disposition: null,
    timeline: events.map((e) => ({ type: e.type, time: e.time, id: e.eventId, source: e.source, correlationid: e.correlationid, causationid: e.causationid })),
  };
  const requests = new Map<string, CaseContainment>();
  for (const e of events) {
    // Stored events passed the contracts at the bus edge, so their data matches their type.
    const ev = { type: e.type, data: e.data } as TypedData;
    switch (ev.type) {
      case 'soc.alert.received.v1':
        view.alert = ev.data.alert;
        view.receivedAt = ev.data.receivedAt;
        break;
      case 'soc.alert.enriched.v1':
        view.enrichment = ev.data.enrichment;
        view.stage = maxStage(view.stage, 'enriched');
        break;
      case 'soc.alert.triaged.v1':
        view.triage = ev.data.triage;
        view.enrichment = ev.data.enrichment;
        view.stage = maxStage(view.stage, 'triaged');
        break;
      case 'soc.decision.made.v1':
        view.decision = { policy: ev.data.policy, actions: ev.data.actions, rejected: ev.data.rejected, decidedAt: e.time };
        view.triage ??= ev.data.triage;
        view.stage = 'decided';
        break;
      case 'soc.notification.sent.v1':
        view.notifications.push({ channel: ev.data.channel, destinations: ev.data.destinations, subject: ev.data.subject, deliveryId: ev.data.deliveryId, time: e.time });
        break;
      case 'soc.ticket.created.v1':
        view.tickets.push({ system: ev.data.system, ticketId: ev.data.ticketId, ...(ev.data.url ? { url: ev.data.url } : {}), status: ev.data.status, priority: ev.data.priority, time: e.time });
        break;
      case 'soc.ticket.updated.v1': {
        const t = view.tickets.find((x) => x.ticketId === ev.data.ticketId);
        if (t) t.status = ev.data.status;
        break;
      }
      case 'soc.containment.requested.v1':
        requests.set(ev.data.requestId, { requestId: ev.data.requestId, runbook: ev.data.runbook, target: ev.data.target, status: 'pending-approval', expiresAt: ev.data.expiresAt });
        break;
      case 'soc.containment.approved.v1':
      case 'soc.containment.denied.v1': {
        const r = requests.get(ev.data.requestId);
        if (r && r.status === 'pending-approval') {
          r.status = ev.type === 'soc.containment.approved.v1' ? 'approved' : 'denied';
          r.decidedBy = ev.data.approver;
          r.comment = ev.data.comment;
        }
        break;
      }
      case 'soc.containment.executed.v1': {
        const r = requests.get(ev.data.requestId);
        if (r) Object.assign(r, { status: 'executed', result: ev.data.result, dryRun: ev.data.dryRun });
        break;
      }
      case 'soc.containment.failed.v1': {
        const r = requests.get(ev.data.requestId);
        if (r) Object.assign(r, { status: 'failed', result: ev.data.error });
        break;
      }
      case 'soc.processing.failed.v1':
        view.failures.push({ subscription: ev.data.subscription, failedEventType: ev.data.failedEventType, reason: ev.data.reason, description: ev.data.description, time: e.time });
        break;
      case 'soc.alert.dispositioned.v1':
        // Events are in time order, so the last one stands.
        view.disposition = { disposition: ev.data.disposition, ...(ev.data.note !== undefined ? { note: ev.data.note } : {}), analyst: ev.data.analyst, at: ev.data.at };
        break;
      case 'soc.report.generated.v1':
        break; // not part of a case (the case view does not subscribe to reports)
    }
  }
  view.containment = [...requests.values()];
  return view;
}

const STAGES = ['received', 'enriched', 'triaged', 'decided'] as const;
function maxStage(a: CaseView['stage'], b: CaseView['stage']): CaseView['stage'] {
  return STAGES.indexOf(a) >= STAGES.indexOf(b) ? a : b;
}
