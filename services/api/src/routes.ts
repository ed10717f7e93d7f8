import { createHash, randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { AuditTrail } from '@soc/audit';
import type { RequestReader } from '@soc/containment-requests';
import { AlertDispositionedV1, Disposition, caseGroupKey, createEvent, eventShapeOf } from '@soc/contracts';
import type { Bus } from '@soc/bus';
import { jsonBody, problem, problemType, requireRole } from '@soc/http';
import type { Clock } from '@soc/runtime';
import { QUEUE_SCAN_LIMIT, QueueQuery, queuePage } from './case-queue.ts';
import { type CaseContainment, foldCase } from './case-view.ts';
import { requestView } from './containment-routes.ts';
import type { CaseGroupStore, CaseStore } from './ports.ts';
import { tenantOfCase, tenantScope } from './tenancy.ts';

/** What the API routes need. */
export interface ApiRoutesDeps {
  cases: CaseStore;
  groups: CaseGroupStore;
  bus: Bus;
  clock: Clock;
  /** Where dispositions are recorded before they are published; a disposition that cannot be recorded is refused (503). */
  audit: AuditTrail;
  /** Containment's record of requests: the case shows their status from there, not from its own events. */
  requests: RequestReader;
  /** The deployment's tenant (SOC_TENANT_ID): the tenant of a record that names none. */
  tenantId: string;
  /** SLA minutes per severity (SOC_SLA_MINUTES): the queue's `slaDueAt`; absent, no group has one. */
  slaMinutes?: Readonly<Partial<Record<string, number>>>;
}

export const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  severity: z.enum(['informational', 'low', 'medium', 'high', 'critical']).optional(),
});
export const DispositionBody = z.object({ disposition: Disposition, note: z.string().max(2000).optional() }).strict();

/**
 * The analyst API: cases (viewer), dispositions (analyst) and human containment decisions (approver). Every route is
 * behind the bearer check and declares its role.
 */
export function apiRoutes(deps: ApiRoutesDeps): Router {
  const router = express.Router();

  const viewer = requireRole('viewer');
  /** The case's requests as containment records them (status, binding hash, approvals), with any it never announced. */
  const containmentOf = async (announced: readonly CaseContainment[], alertId: string): Promise<CaseContainment[]> => {
    const now = deps.clock.now();
    const recorded = new Map((await deps.requests.listForAlert(alertId)).map((r) => [r.requestId, requestView(r, now)]));
    const out: CaseContainment[] = announced.map((c) => recorded.get(c.requestId) ?? c);
    for (const [id, view] of recorded) if (!announced.some((c) => c.requestId === id)) out.push(view);
    return out;
  };

  router.get('/api/v1/alerts', viewer, async (req, res) => {
    const query = ListQuery.parse(req.query);
    res.json({ items: await deps.cases.listSummaries({ ...query, tenants: tenantScope(res, deps.tenantId).grant }) });
  });

  router.get('/api/v1/alerts/:alertId', viewer, async (req, res) => {
    const events = await deps.cases.events(req.params.alertId);
    // Another tenant's alert is answered as one that does not exist: its existence is not the caller's to know.
    const view = foldCase(req.params.alertId, events);
    if (events.length === 0 || !tenantScope(res, deps.tenantId).sees(tenantOfCase(events, view.alert))) {
      problem(res, 404, { type: problemType('unknown-alert'), title: 'Unknown alert', detail: 'No alert with this id has been received (ids come from the 202 response of ingestion).' });
      return;
    }
    const group = await deps.groups.groupOf(req.params.alertId);
    res.json({ ...view, containment: await containmentOf(view.containment, req.params.alertId), group: group ? { id: group.groupId, count: group.count } : null });
  });

  // The analyst's queue: a bounded read of the caller's tenants' groups (newest activity first, severity filtered by
  // the store), then filters, sort and the cursor's page in a pure function (case-queue.ts).
  router.get('/api/v1/cases', viewer, async (req, res) => {
    const query = QueueQuery.parse(req.query);
    const groups = await deps.groups.list({ limit: QUEUE_SCAN_LIMIT, ...(query.severity ? { severity: query.severity } : {}), tenants: tenantScope(res, deps.tenantId).grant });
    const page = queuePage(groups, query, { now: deps.clock.now(), slaMinutes: deps.slaMinutes ?? {}, principal: String(res.locals.principal) });
    if (!page.ok) {
      problem(res, 400, { type: problemType('invalid-cursor'), title: 'Invalid cursor', detail: page.detail });
      return;
    }
    res.json({ items: page.items, next: page.next, scope: { scanned: groups.length, truncated: groups.length >= QUEUE_SCAN_LIMIT } });
  });

  router.get('/api/v1/cases/:groupId', viewer, async (req, res) => {
    const group = await deps.groups.get(req.params.groupId);
    if (!group || !tenantScope(res, deps.tenantId).sees(group.tenantId)) {
      problem(res, 404, { type: problemType('unknown-case'), title: 'Unknown case', detail: 'No case group has this id (ids come from GET /api/v1/cases).' });
      return;
    }
    // Members whose summary is not written yet are left out here; `memberIds` still names them.
    const members = (await Promise.all(group.memberIds.map((id) => deps.cases.summary(id)))).filter((s) => s !== undefined);
    res.json({ ...group, members });
  });

  const body = jsonBody({ limitBytes: 16 * 1024 });

  // The analyst's verdict on an alert; enrichment counts it per rule, entity and tenant for the next triage.
  router.post('/api/v1/alerts/:alertId/disposition', requireRole('analyst'), body, async (req: express.Request<{ alertId: string }>, res: express.Response) => {
    const input = DispositionBody.parse(req.body ?? {});
    const events = await deps.cases.events(req.params.alertId);
    const view = foldCase(req.params.alertId, events);
    const received = events.find((e) => e.type === 'soc.alert.received.v1');
    if (!view.alert || !tenantScope(res, deps.tenantId).sees(view.alert.tenantId)) {
      problem(res, 404, { type: problemType('unknown-alert'), title: 'Unknown alert', detail: 'No alert with this id has been received (ids come from the 202 response of ingestion).' });
      return;
    }
    const analyst = String(res.locals.principal);
    const current = view.disposition;
    // The same answer again changes nothing (no event); a different one supersedes the earlier.
    if (current && current.disposition === input.disposition && current.note === input.note) {
      res.status(200).json({ alertId: view.alertId, ...current, changed: false });
      return;
    }
    const now = deps.clock.now();
    const { alert } = view;
    const shape = eventShapeOf(alert);
    const data = {
      alertId: alert.alertId,
      tenantId: alert.tenantId,
      rule: {
        source: alert.source.name,
        ...(alert.rule?.id !== undefined ? { id: alert.rule.id } : {}),
        ...(alert.rule?.name !== undefined ? { name: alert.rule.name } : {}),
        title: alert.title,
      },
      // Only entities the source named: one extracted from free text is the alert writer's choice, and analysts'
      // dispositions lower that entity's future scores.
      entityIds: alert.entities.filter((e) => e.origin !== 'extracted').map((e) => e.id),
      // What the event shows, so history counts the disposition per rule and event shape (contracts' one definition).
      ...(shape !== undefined ? { shape } : {}),
      disposition: input.disposition,
      // The case group and the alert in its source, so ticketing can resolve the group's ticket and write the SIEM back.
      caseGroup: caseGroupKey(alert),
      vendor: { alertId: alert.source.vendorAlertId, ...(alert.source.url !== undefined ? { url: alert.source.url } : {}) },
      ...(input.note !== undefined ? { note: input.note } : {}),
      analyst,
      at: now.toISOString(),
    };
    const eventId = randomUUID();
    // Dispositions lower future scores of the rule, entity and tenant: one that cannot be put on the record is refused.
    try {
      await deps.audit.append({
        kind: 'disposition.recorded',
        actor: analyst,
        subject: alert.alertId,
        tenantId: alert.tenantId,
        data: {
          eventId,
          disposition: input.disposition,
          previous: current?.disposition ?? null,
          // The note is free text: its hash and length are on the record, the text stays in the case.
          noteSha256: input.note === undefined ? null : createHash('sha256').update(input.note).digest('hex'),
          noteLength: input.note?.length ?? 0,
        },
      });
    } catch {
      problem(res, 503, {
        type: problemType('audit-unavailable'),
        title: 'Audit trail unavailable',
        detail: 'The disposition was not recorded: the audit trail could not be written. Retry later.',
      });
      return;
    }
    await deps.bus.publish([
      createEvent(AlertDispositionedV1, data, {
        id: eventId,
        source: '/soc/api',
        time: now,
        correlationid: view.correlationId,
        ...(received ? { causationid: received.eventId } : {}),
        tenantid: alert.tenantId,
        subject: alert.alertId,
      }),
    ]);
    res.status(202).json({ alertId: alert.alertId, disposition: data.disposition, ...(data.note !== undefined ? { note: data.note } : {}), analyst, at: data.at, changed: true });
  });

  return router;
}
