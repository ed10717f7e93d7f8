import { type Action, type Alert, type AlertRevision, type CaseAnswerHunt, type CaseCitation, type CaseStatus, type Disposition, type Enrichment, type SocEvent, type Triage, compareRevisions, currentTypeOf } from '@soc/contracts';
import type { RequestStatus } from '@soc/containment-requests';

/** One event of a case, as the case view stores it. */
export interface CaseEventDoc {
  alertId: string;
  eventId: string;
  type: string;
  time: string;
  source: string;
  correlationid: string;
  causationid: string | null;
  /** The event's tenant (its CloudEvents `tenantid`); absent on documents stored before tenants were recorded. */
  tenantid?: string;
  /** Set on containment events so approvals can find their request. */
  requestId: string | null;
  /** The revision of the alert an event carries (received, enriched, triaged, decided); absent on older documents. */
  revision?: AlertRevision | null;
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
  /** From containment's record when it has one (any request status); else from the case's events. */
  status: RequestStatus;
  expiresAt: string;
  /** What an approval must quote (containment's record). */
  bindingHash?: string;
  approvalsRequired?: number;
  approvals?: { approver: string; at: string; comment: string; changeRef?: string }[];
  decidedBy?: string;
  comment?: string;
  result?: string;
  dryRun?: boolean;
  /** What a real execution changed (ids the API gave) and what its check found. */
  effect?: Readonly<Record<string, string>>;
  verification?: string;
  /** The undo asked of a done action: who asked, who decided, what it did. */
  undo?: { requestedBy: string; reason: string; decidedBy?: string; result?: string };
}

/** One revision of the alert (a version of its content the source sent), as the case lists it. */
export interface CaseRevision {
  /** The revision key; null for an alert received before revisions existed. */
  key: string | null;
  /** True for the revision the case shows: the newest by the source's own time, else by receipt. */
  current: boolean;
  receivedAt: string | null;
  /** The source's own time of this version (modified, else last seen), when it gives one. */
  at: string | null;
  /** Who sent it (as recorded in its received event) and how. */
  sender: string | null;
  receivedVia: string | null;
  title: string | null;
  severity: string | null;
  status: string | null;
  /** What changed from the revision before it, at a glance (e.g. `severity: low → critical`); empty for the first. */
  changes: string[];
  stage: 'received' | 'enriched' | 'triaged' | 'decided';
  riskScore: number | null;
  verdict: string | null;
}

/** The case as it stands: a fold over every event of the alert's journey. */
export interface CaseView {
  alertId: string;
  correlationId: string;
  /** The stage, alert, enrichment, triage and decision of the current revision (see `revisions`). */
  stage: 'received' | 'enriched' | 'triaged' | 'decided';
  alert: Alert | null;
  /** When the alert first arrived (its first revision). */
  receivedAt: string | null;
  enrichment: Enrichment | null;
  triage: Triage | null;
  decision: { policy: { id: string; version: string }; actions: Action[]; rejected: { kind: string; reason: string }[]; decidedAt: string } | null;
  /** Every revision of the alert, newest first; the first is the current one. */
  revisions: CaseRevision[];
  /** Across revisions; `revision` names the one whose decision caused it. */
  notifications: { channel: string; destinations: string[]; subject: string; deliveryId: string; time: string; revision: string | null }[];
  tickets: { system: string; ticketId: string; url?: string; status: string; priority: number; time: string; revision: string | null }[];
  containment: CaseContainment[];
  failures: { subscription: string; failedEventType: string; reason: string; description: string; time: string }[];
  /** The analyst's latest disposition; a changed one supersedes the earlier. */
  disposition: { disposition: Disposition; note?: string; analyst: string; at: string } | null;
  /** Who works the case now (the latest `soc.case.assigned.v1`); null: nobody. */
  assignee: string | null;
  /** Where the work stands (the latest `soc.case.status-changed.v1`); `new` until someone moves it. */
  status: CaseStatus;
  /** The analysts' notes, oldest first (newest last). Free text: shown as text, never markup. */
  notes: CaseNote[];
  /** Questions asked about the case, oldest first, each with the copilot's answer once it is there. */
  questions: CaseQuestion[];
  timeline: TimelineEntry[];
}

/** A question about the case and its answer (`soc.case.question-asked.v1` and `-answered.v1`). */
export interface CaseQuestion {
  questionId: string;
  text: string;
  askedBy: string;
  at: string;
  answer: { mode: 'llm' | 'templates'; answer: string; citations: CaseCitation[]; hunts: CaseAnswerHunt[]; removed: { path: string; reason: string; value: string }[]; model?: string; at: string } | null;
}

/** An analyst's note on a case. */
export interface CaseNote {
  noteId: string;
  text: string;
  author: string;
  at: string;
}

/** An event's type and data, discriminated, without the envelope. */
type TypedData = SocEvent extends infer E ? (E extends SocEvent ? { type: E['type']; data: E['data'] } : never) : never;

/** The alert an event belongs to, when the event names it. */
export function alertIdOf(event: SocEvent): string | undefined {
  switch (event.type) {
    case 'soc.alert.received.v1':
    case 'soc.alert.enriched.v1':
    case 'soc.alert.triaged.v1':
    case 'soc.decision.made.v2':
    case 'soc.decision.made.v1': // older versions are upcast at the bus edge; the same fields either way
      return event.data.alert.alertId;
    case 'soc.notification.sent.v1':
    case 'soc.ticket.created.v1':
    case 'soc.ticket.updated.v1':
    case 'soc.containment.requested.v2':
    case 'soc.containment.approved.v2':
    case 'soc.containment.denied.v1':
    case 'soc.containment.executed.v2':
    case 'soc.containment.failed.v2':
    case 'soc.containment.verified.v1':
    case 'soc.containment.undo-requested.v1':
    case 'soc.containment.undo-decided.v1':
    case 'soc.containment.undone.v1':
    case 'soc.containment.requested.v1':
    case 'soc.containment.approved.v1':
    case 'soc.containment.executed.v1':
    case 'soc.containment.failed.v1':
      return event.data.alertId;
    case 'soc.processing.failed.v1':
      return event.data.alertId;
    case 'soc.alert.dispositioned.v1':
    case 'soc.case.assigned.v1':
    case 'soc.case.status-changed.v1':
    case 'soc.case.note-added.v1':
    case 'soc.case.question-asked.v1':
    case 'soc.case.question-answered.v1':
      return event.data.alertId;
    case 'soc.report.generated.v1':
    case 'soc.containment.freeze-changed.v2':
    case 'soc.containment.freeze-changed.v1':
    case 'soc.notification.due.v1':
    case 'soc.containment.check-due.v1':
      return undefined; // reports, the freeze and notification's timers belong to no journey (the case view does not subscribe to them)
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
    tenantid: event.tenantid,
    requestId,
    revision: revisionOfEvent(event),
    data: storedData(event),
  };
}

function revisionOfEvent(event: SocEvent): AlertRevision | null {
  const carriesAlert = event.type === 'soc.alert.received.v1' || event.type === 'soc.alert.enriched.v1' || event.type === 'soc.alert.triaged.v1' || event.type === 'soc.decision.made.v2';
  return carriesAlert ? (event.data.alert.revision ?? null) : null;
}

/**
 * The alert travels in every event of the journey up to the decision; the case keeps it once, from the received
 * event, and only the new part of the later ones (about half the bytes the case view writes).
 */
function storedData(event: SocEvent): unknown {
  if (event.type === 'soc.alert.enriched.v1' || event.type === 'soc.alert.triaged.v1' || event.type === 'soc.decision.made.v2') {
    const { alert: _alert, ...rest } = event.data;
    return rest;
  }
  // The question carries the case's facts for the copilot; the case already holds them.
  if (event.type === 'soc.case.question-asked.v1') {
    const { facts: _facts, ...rest } = event.data;
    return rest;
  }
  return event.data;
}

const STAGE_RANK: Readonly<Record<string, number>> = {
  'soc.alert.received.v1': 0,
  'soc.alert.enriched.v1': 1,
  'soc.alert.triaged.v1': 2,
  'soc.decision.made.v2': 3,
};

/** What one revision's own events say: its alert, receipt, and how far its journey got. */
interface RevisionState {
  key: string | null;
  revision: AlertRevision | null;
  alert: Alert | null;
  receivedAt: string | null;
  sender: string | null;
  receivedVia: string | null;
  /** The earliest event of the revision: its receipt stand-in while the received event is not projected yet. */
  firstTime: string;
  stage: CaseView['stage'];
  enrichment: Enrichment | null;
  triage: Triage | null;
  decision: CaseView['decision'];
}

// Alerts received before revisions existed have no key; they are one revision, ordered by receipt.
const LEGACY_KEY = `rev-${'0'.repeat(32)}`;

function orderOf(r: RevisionState): AlertRevision {
  return r.revision ?? { key: LEGACY_KEY, receivedAt: r.receivedAt ?? r.firstTime };
}

/** The revisions of a case, newest first (see `compareRevisions`): an older one delivered late never comes first. */
function revisionsOf(events: readonly CaseEventDoc[]): RevisionState[] {
  const byKey = new Map<string | null, RevisionState>();
  for (const e of events) {
    if (STAGE_RANK[e.type] === undefined) continue;
    const key = e.revision?.key ?? null;
    let r = byKey.get(key);
    if (r === undefined) {
      r = { key, revision: e.revision ?? null, alert: null, receivedAt: null, sender: null, receivedVia: null, firstTime: e.time, stage: 'received', enrichment: null, triage: null, decision: null };
      byKey.set(key, r);
    }
    const ev = { type: e.type, data: e.data } as TypedData;
    if (ev.type === 'soc.alert.received.v1') {
      r.alert = ev.data.alert;
      r.receivedAt = ev.data.receivedAt;
      r.sender = ev.data.sender;
      r.receivedVia = ev.data.receivedVia;
    } else if (ev.type === 'soc.alert.enriched.v1') {
      r.enrichment = ev.data.enrichment;
      r.stage = maxStage(r.stage, 'enriched');
    } else if (ev.type === 'soc.alert.triaged.v1') {
      r.triage = ev.data.triage;
      r.enrichment = ev.data.enrichment;
      r.stage = maxStage(r.stage, 'triaged');
    } else if (ev.type === 'soc.decision.made.v2') {
      r.decision = { policy: ev.data.policy, actions: ev.data.actions, rejected: ev.data.rejected, decidedAt: e.time };
      r.triage ??= ev.data.triage;
      r.stage = 'decided';
    }
  }
  return [...byKey.values()].sort((a, b) => compareRevisions(orderOf(a), orderOf(b)));
}

/** What changed between two versions of an alert, as short phrases an analyst reads at a glance. */
function changesBetween(before: Alert, after: Alert): string[] {
  const changes: string[] = [];
  if (before.severity !== after.severity) changes.push(`severity: ${before.severity} → ${after.severity}`);
  if (before.status !== after.status) changes.push(`status: ${before.status} → ${after.status}`);
  if (before.title !== after.title) changes.push('title changed');
  if (before.description !== after.description) changes.push('description changed');
  if ((before.rule?.id ?? before.rule?.name) !== (after.rule?.id ?? after.rule?.name)) changes.push('rule changed');
  const ids = (a: Alert) => new Set(a.entities.map((e) => e.id));
  const was = ids(before);
  const is = ids(after);
  const added = [...is].filter((id) => !was.has(id)).length;
  const removed = [...was].filter((id) => !is.has(id)).length;
  if (added > 0 || removed > 0) changes.push(`entities: +${added} −${removed}`);
  else if (JSON.stringify(before.entities) !== JSON.stringify(after.entities)) changes.push('entity details changed');
  const techniques = (a: Alert) => a.attack.map((x) => `${x.tactic ?? ''}/${x.techniqueId ?? ''}`).sort().join(',');
  if (techniques(before) !== techniques(after)) changes.push('ATT&CK changed');
  return changes;
}

function listed(revisions: readonly RevisionState[]): CaseRevision[] {
  return revisions.map((r, i) => {
    const previous = revisions.slice(i + 1).find((p) => p.alert !== null);
    return {
      key: r.key,
      current: i === 0,
      receivedAt: r.receivedAt ?? r.revision?.receivedAt ?? null,
      at: r.revision?.at ?? null,
      sender: r.sender,
      receivedVia: r.receivedVia,
      title: r.alert?.title ?? null,
      severity: r.alert?.severity ?? null,
      status: r.alert?.status ?? null,
      changes: r.alert !== null && previous?.alert ? changesBetween(previous.alert, r.alert) : [],
      stage: r.stage,
      riskScore: r.triage?.risk.score ?? null,
      verdict: r.triage?.verdict.class ?? null,
    };
  });
}

/**
 * Folds a case's events (any order) into the case view. Pure. The alert's revisions are ordered newest first; the
 * newest one is the case's current alert, triage and decision. Notifications, tickets, containment, failures and the
 * disposition are the case's, across revisions.
 */
export function foldCase(alertId: string, stored: readonly CaseEventDoc[]): CaseView {
  // A case stored before a type's current version read as the current version (each is a superset of the older one).
  const docs = stored.map((d) => (currentTypeOf(d.type) === d.type ? d : { ...d, type: currentTypeOf(d.type) }));
  const events = [...docs].sort((a, b) => (a.time === b.time ? (STAGE_RANK[a.type] ?? 9) - (STAGE_RANK[b.type] ?? 9) : a.time < b.time ? -1 : 1));
  const revisions = revisionsOf(events);
  const current = revisions[0];
  const receipts = revisions.map((r) => r.receivedAt).filter((t): t is string => t !== null).sort();
  const view: CaseView = {
    alertId,
    correlationId: events[0]?.correlationid ?? '',
    stage: current?.stage ?? 'received',
    // While the newest revision's received event is not projected yet, the newest alert the case has stands in.
    alert: revisions.find((r) => r.alert !== null)?.alert ?? null,
    receivedAt: receipts[0] ?? null,
    enrichment: current?.enrichment ?? null,
    triage: current?.triage ?? null,
    decision: current?.decision ?? null,
    revisions: listed(revisions),
    notifications: [],
    tickets: [],
    containment: [],
    failures: [],
    disposition: null,
    assignee: null,
    status: 'new',
    notes: [],
    questions: [],
    timeline: events.map((e) => ({ type: e.type, time: e.time, id: e.eventId, source: e.source, correlationid: e.correlationid, causationid: e.causationid })),
  };
  // Side effects name their decision as cause: that decision's revision is theirs.
  const revisionByEvent = new Map(events.filter((e) => e.revision !== undefined && e.revision !== null).map((e) => [e.eventId, e.revision!.key]));
  const causedRevision = (e: CaseEventDoc): string | null => (e.causationid === null ? null : (revisionByEvent.get(e.causationid) ?? null));
  const requests = new Map<string, CaseContainment>();
  const answers = new Map<string, NonNullable<CaseQuestion['answer']>>();
  for (const e of events) {
    // Stored events passed the contracts at the bus edge, so their data matches their type.
    const ev = { type: e.type, data: e.data } as TypedData;
    switch (ev.type) {
      case 'soc.alert.received.v1':
      case 'soc.alert.enriched.v1':
      case 'soc.alert.triaged.v1':
      case 'soc.decision.made.v2':
        break; // folded per revision above
      case 'soc.notification.sent.v1':
        view.notifications.push({ channel: ev.data.channel, destinations: ev.data.destinations, subject: ev.data.subject, deliveryId: ev.data.deliveryId, time: e.time, revision: causedRevision(e) });
        break;
      case 'soc.ticket.created.v1':
        if (view.tickets.some((t) => t.ticketId === ev.data.ticketId)) break; // one ticket, opened once, whatever revision asked
        view.tickets.push({ system: ev.data.system, ticketId: ev.data.ticketId, ...(ev.data.url ? { url: ev.data.url } : {}), status: ev.data.status, priority: ev.data.priority, time: e.time, revision: causedRevision(e) });
        break;
      case 'soc.ticket.updated.v1': {
        const t = view.tickets.find((x) => x.ticketId === ev.data.ticketId);
        if (t) t.status = ev.data.status;
        break;
      }
      case 'soc.containment.requested.v2':
        requests.set(ev.data.requestId, { requestId: ev.data.requestId, runbook: ev.data.runbook, target: ev.data.target, status: 'pending-approval', expiresAt: ev.data.expiresAt });
        break;
      case 'soc.containment.approved.v2':
      case 'soc.containment.denied.v1': {
        const r = requests.get(ev.data.requestId);
        if (r && r.status === 'pending-approval') {
          r.status = ev.type === 'soc.containment.approved.v2' ? 'approved' : 'denied';
          r.decidedBy = ev.data.approver;
          r.comment = ev.data.comment;
        }
        break;
      }
      case 'soc.containment.executed.v2': {
        const r = requests.get(ev.data.requestId);
        if (r) Object.assign(r, { status: 'executed', result: ev.data.result, dryRun: ev.data.dryRun, ...(ev.data.effect !== undefined ? { effect: ev.data.effect } : {}) });
        break;
      }
      case 'soc.containment.verified.v1': {
        const r = requests.get(ev.data.requestId);
        if (r) Object.assign(r, { status: ev.data.outcome === 'in-effect' ? 'done' : 'failed', verification: ev.data.finding });
        break;
      }
      case 'soc.containment.undo-requested.v1': {
        const r = requests.get(ev.data.requestId);
        if (r) Object.assign(r, { status: 'undo-pending-approval', undo: { requestedBy: ev.data.requestedBy, reason: ev.data.reason } });
        break;
      }
      case 'soc.containment.undo-decided.v1': {
        const r = requests.get(ev.data.requestId);
        if (r?.undo) Object.assign(r, { status: ev.data.decision === 'approved' ? 'undo-approved' : 'done', undo: { ...r.undo, decidedBy: ev.data.approver } });
        break;
      }
      case 'soc.containment.undone.v1': {
        const r = requests.get(ev.data.requestId);
        if (r) Object.assign(r, { status: ev.data.outcome, undo: { ...(r.undo ?? { requestedBy: 'unknown', reason: '' }), result: ev.data.result } });
        break;
      }
      case 'soc.containment.failed.v2': {
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
      // Casework: events are in time order, so the last assignment and status stand; notes are listed oldest first.
      case 'soc.case.assigned.v1':
        view.assignee = ev.data.assignee;
        break;
      case 'soc.case.status-changed.v1':
        view.status = ev.data.status;
        break;
      case 'soc.case.note-added.v1':
        if (!view.notes.some((n) => n.noteId === ev.data.noteId)) view.notes.push({ noteId: ev.data.noteId, text: ev.data.text, author: ev.data.author, at: ev.data.at });
        break;
      case 'soc.case.question-asked.v1':
        view.questions.push({ questionId: ev.data.questionId, text: ev.data.text, askedBy: ev.data.askedBy, at: ev.data.at, answer: null });
        break;
      case 'soc.case.question-answered.v1': {
        const { mode, answer, citations, hunts, removed, model, at } = ev.data;
        // The first answer stands (a redelivered question is answered again, maybe differently).
        if (!answers.has(ev.data.questionId)) answers.set(ev.data.questionId, { mode, answer, citations, hunts, removed, ...(model !== undefined ? { model } : {}), at });
        break;
      }
      case 'soc.report.generated.v1':
      case 'soc.containment.freeze-changed.v2':
      case 'soc.notification.due.v1':
      case 'soc.containment.check-due.v1':
      // Stored older versions were read as their current version above (foldCase's `docs`).
      case 'soc.decision.made.v1':
      case 'soc.containment.requested.v1':
      case 'soc.containment.approved.v1':
      case 'soc.containment.executed.v1':
      case 'soc.containment.failed.v1':
      case 'soc.containment.freeze-changed.v1':
        break; // not part of a case (the case view does not subscribe to reports, the freeze or notification's timers)
    }
  }
  view.containment = [...requests.values()];
  for (const q of view.questions) q.answer = answers.get(q.questionId) ?? null;
  return view;
}

const STAGES = ['received', 'enriched', 'triaged', 'decided'] as const;
function maxStage(a: CaseView['stage'], b: CaseView['stage']): CaseView['stage'] {
  return STAGES.indexOf(a) >= STAGES.indexOf(b) ? a : b;
}
