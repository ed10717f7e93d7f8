import { createHash, randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { AuditTrail } from '@soc/audit';
import type { Bus } from '@soc/bus';
import { CaseAssignedV1, CaseNoteAddedV1, CaseStatus, CaseStatusChangedV1, MAX_NOTE_LENGTH, createEvent } from '@soc/contracts';
import { type TenantGrant, jsonBody, mayAccess, problem, problemType, requireRole } from '@soc/http';
import type { Clock } from '@soc/runtime';
import { type CaseView, foldCase } from './case-view.ts';
import { type CaseworkChange, type CaseworkCommand, type CaseworkState, applyCasework, decideCasework } from './casework.ts';
import type { CaseStore, CaseworkStore } from './ports.ts';
import { tenantScope } from './tenancy.ts';

/** The configured principals, by name: who a case may be assigned to. */
export interface PrincipalDirectory {
  rolesOf(principal: string): readonly string[];
  tenantsOf(principal: string): TenantGrant | undefined;
}

/** What the casework routes need. */
export interface CaseworkRoutesDeps {
  cases: CaseStore;
  casework: CaseworkStore;
  bus: Bus;
  clock: Clock;
  /** Every change is recorded here before it is published; one that cannot be recorded is refused (503). */
  audit: AuditTrail;
  principals: PrincipalDirectory;
  /** The deployment's tenant (SOC_TENANT_ID): the tenant of a record that names none. */
  tenantId: string;
}

const Principal = z.string().trim().min(1).max(256);
export const AssigneeBody = z
  .object({
    assignee: Principal.nullable().meta({ description: 'The principal to assign the case to (the caller, or a principal with the analyst role that sees the case\'s tenant); `me`: the caller; null unassigns.' }),
    expected: Principal.nullable().optional().meta({ description: 'The assignee the caller believes the case has now (null: nobody): the change is made only if it still has. Needed to take over or release a case held by someone else.' }),
  })
  .strict();
export const StatusBody = z
  .object({
    status: CaseStatus,
    expected: CaseStatus.optional().meta({ description: 'The status the caller believes the case has now: the change is made only if it still has.' }),
    reason: z.string().trim().min(1).max(1000).optional(),
  })
  .strict();
export const NoteBody = z.object({ text: z.string().max(MAX_NOTE_LENGTH).refine((t) => t.trim() !== '', 'a note needs text') }).strict();

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

/** How many times a command is decided again after another analyst's change came first. */
const ATTEMPTS = 3;

/**
 * Casework on a case (one alert), role analyst: assignment, status and notes. Each change is decided by the pure
 * decider (`casework.ts`) against the write-side record (`case-work`, compare-and-set), audited first, then published
 * as an event the case view folds into the case and its timeline.
 */
export function caseworkRoutes(deps: CaseworkRoutesDeps): Router {
  const router = express.Router();
  const analyst = requireRole('analyst');
  const body = jsonBody({ limitBytes: 16 * 1024 });

  /** The case if the caller may see it; otherwise answers 404 (another tenant's case is one that does not exist). */
  const loadCase = async (res: express.Response, alertId: string): Promise<{ view: CaseView & { alert: NonNullable<CaseView['alert']> }; causationid?: string } | undefined> => {
    const events = await deps.cases.events(alertId);
    const view = foldCase(alertId, events);
    if (!view.alert || !tenantScope(res, deps.tenantId).sees(view.alert.tenantId)) {
      problem(res, 404, { type: problemType('unknown-alert'), title: 'Unknown alert', detail: 'No alert with this id has been received (ids come from the 202 response of ingestion).' });
      return undefined;
    }
    const received = events.find((e) => e.type === 'soc.alert.received.v1');
    return { view: view as CaseView & { alert: NonNullable<CaseView['alert']> }, ...(received ? { causationid: received.eventId } : {}) };
  };

  const auditUnavailable = (res: express.Response, what: string) =>
    problem(res, 503, { type: problemType('audit-unavailable'), title: 'Audit trail unavailable', detail: `The ${what} was not recorded: the audit trail could not be written. Retry later.` });

  /** Decides a command against the record, writes the record by compare-and-set, audits, publishes; answers the caller. */
  const change = async (req: express.Request<{ alertId: string }>, res: express.Response, command: CaseworkCommand): Promise<void> => {
    const loaded = await loadCase(res, req.params.alertId);
    if (!loaded) return;
    const { view } = loaded;
    const alertId = view.alertId;
    for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
      const held = await deps.casework.read(alertId);
      // The record is ahead of the case view (it is written before the event is published); without one, the case's events.
      const state: CaseworkState = { assignee: held?.record.assignee ?? view.assignee, status: held?.record.status ?? view.status, disposition: view.disposition?.disposition ?? null };
      const decision = decideCasework(state, command);
      if (decision.outcome === 'refused') {
        problem(res, 409, { type: problemType(decision.refusal.code), title: 'Conflict', detail: decision.refusal.detail, extensions: { current: decision.refusal.current } });
        return;
      }
      if (decision.outcome === 'unchanged') {
        res.status(200).json({ alertId, assignee: state.assignee, status: state.status, changed: false });
        return;
      }
      const next = applyCasework(state, decision.change);
      const etag = await deps.casework.write(alertId, { assignee: next.assignee, status: next.status }, held?.etag);
      if (etag === false) continue; // another analyst's change came first: decide again against it
      const now = deps.clock.now();
      const eventId = randomUUID();
      const undo = () => deps.casework.write(alertId, { assignee: state.assignee, status: state.status }, etag).catch(() => false);
      try {
        await deps.audit.append(auditEntry(decision.change, { eventId, alertId, tenantId: view.alert.tenantId }));
      } catch {
        await undo();
        auditUnavailable(res, 'change');
        return;
      }
      try {
        await deps.bus.publish([eventOf(decision.change, { eventId, alertId, tenantId: view.alert.tenantId, now, correlationid: view.correlationId, causationid: loaded.causationid })]);
      } catch (error) {
        await undo();
        throw error;
      }
      res.status(202).json({ alertId, assignee: next.assignee, status: next.status, changed: true, by: command.by, at: now.toISOString() });
      return;
    }
    problem(res, 409, { type: problemType('concurrent-change'), title: 'Conflict', detail: 'Other analysts kept changing this case while the request was decided: reload it and try again.' });
  };

  router.put('/api/v1/alerts/:alertId/assignee', analyst, body, async (req: express.Request<{ alertId: string }>, res: express.Response) => {
    const input = AssigneeBody.parse(req.body ?? {});
    const by = String(res.locals.principal);
    // `me` is the caller (the console's "Take" knows the token, not the principal's name), as in the queue's filter.
    const assignee = input.assignee === 'me' ? by : input.assignee;
    // Anyone with the route's role may take a case; another principal must be one that could work it.
    if (assignee !== null && assignee !== by) {
      const loaded = await loadCase(res, req.params.alertId);
      if (!loaded) return;
      const grant = deps.principals.tenantsOf(assignee);
      if (!deps.principals.rolesOf(assignee).includes('analyst') || grant === undefined || !mayAccess(grant, loaded.view.alert.tenantId)) {
        problem(res, 422, {
          type: problemType('unknown-assignee'),
          title: 'Unknown assignee',
          detail: 'A case is assigned to a configured principal that holds the analyst role and sees the case\'s tenant (SOC_API_ROLES, SOC_API_TENANTS).',
        });
        return;
      }
    }
    await change(req, res, { kind: 'assign', assignee, ...(input.expected !== undefined ? { expected: input.expected } : {}), by });
  });

  router.put('/api/v1/alerts/:alertId/status', analyst, body, async (req: express.Request<{ alertId: string }>, res: express.Response) => {
    const input = StatusBody.parse(req.body ?? {});
    await change(req, res, { kind: 'set-status', status: input.status, ...(input.expected !== undefined ? { expected: input.expected } : {}), ...(input.reason !== undefined ? { reason: input.reason } : {}), by: String(res.locals.principal) });
  });

  router.post('/api/v1/alerts/:alertId/notes', analyst, body, async (req: express.Request<{ alertId: string }>, res: express.Response) => {
    const input = NoteBody.parse(req.body ?? {});
    const loaded = await loadCase(res, req.params.alertId);
    if (!loaded) return;
    const { view } = loaded;
    const author = String(res.locals.principal);
    const now = deps.clock.now();
    const eventId = randomUUID();
    const note = { alertId: view.alertId, tenantId: view.alert.tenantId, noteId: `note-${randomUUID()}`, text: input.text, author, at: now.toISOString() };
    try {
      // The text stays in the case; the record holds its hash and length.
      await deps.audit.append({ kind: 'case.note-added', actor: author, subject: view.alertId, tenantId: note.tenantId, data: { eventId, noteId: note.noteId, textSha256: sha256(note.text), textLength: note.text.length } });
    } catch {
      auditUnavailable(res, 'note');
      return;
    }
    await deps.bus.publish([createEvent(CaseNoteAddedV1, note, envelope({ eventId, alertId: view.alertId, tenantId: note.tenantId, now, correlationid: view.correlationId, causationid: loaded.causationid }))]);
    res.status(201).json(note);
  });

  return router;
}

interface Envelope {
  eventId: string;
  alertId: string;
  tenantId: string;
  now: Date;
  correlationid: string;
  causationid: string | undefined;
}

function envelope(e: Envelope) {
  return { id: e.eventId, source: '/soc/api', time: e.now, correlationid: e.correlationid, ...(e.causationid !== undefined ? { causationid: e.causationid } : {}), tenantid: e.tenantId, subject: e.alertId };
}

/** The event of a change. */
function eventOf(change: CaseworkChange, e: Envelope) {
  const at = e.now.toISOString();
  if (change.kind === 'assigned') {
    return createEvent(CaseAssignedV1, { alertId: e.alertId, tenantId: e.tenantId, assignee: change.assignee, previous: change.previous, by: change.by, at }, envelope(e));
  }
  return createEvent(
    CaseStatusChangedV1,
    { alertId: e.alertId, tenantId: e.tenantId, status: change.status, previous: change.previous, by: change.by, at, ...(change.reason !== undefined ? { reason: change.reason } : {}) },
    envelope(e),
  );
}

/** The audit record of a change: who, what, before and after; a reason's hash and length, not its text. */
function auditEntry(change: CaseworkChange, ids: { eventId: string; alertId: string; tenantId: string }) {
  if (change.kind === 'assigned') {
    return { kind: 'case.assigned', actor: change.by, subject: ids.alertId, tenantId: ids.tenantId, data: { eventId: ids.eventId, assignee: change.assignee, previous: change.previous } };
  }
  return {
    kind: 'case.status-changed',
    actor: change.by,
    subject: ids.alertId,
    tenantId: ids.tenantId,
    data: { eventId: ids.eventId, status: change.status, previous: change.previous, reasonSha256: change.reason === undefined ? null : sha256(change.reason), reasonLength: change.reason?.length ?? 0 },
  };
}
