import { randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import { AlertDispositionedV1, ContainmentApprovedV1, ContainmentDeniedV1, Disposition, createEvent } from '@soc/contracts';
import type { Bus } from '@soc/bus';
import { jsonBody, problem, problemType } from '@soc/http';
import type { Clock } from '@soc/runtime';
import { foldCase } from './case-view.ts';
import type { CaseGroupStore, CaseStore } from './ports.ts';

/** What the API routes need. */
export interface ApiRoutesDeps {
  cases: CaseStore;
  groups: CaseGroupStore;
  bus: Bus;
  clock: Clock;
  /** Principals allowed to decide containment requests. */
  approvers: readonly string[];
}

const ListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(50),
  severity: z.enum(['informational', 'low', 'medium', 'high', 'critical']).optional(),
});
const DispositionBody = z.object({ disposition: Disposition, note: z.string().max(2000).optional() }).strict();
const DecisionBody = z.object({ comment: z.string().max(4096).default(''), changeRef: z.string().min(1).max(128).optional() }).strict();

/** The analyst API: cases and human containment decisions. Every route is behind the bearer check. */
export function apiRoutes(deps: ApiRoutesDeps): Router {
  const router = express.Router();

  router.get('/api/v1/alerts', async (req, res) => {
    const query = ListQuery.parse(req.query);
    res.json({ items: await deps.cases.listSummaries(query) });
  });

  router.get('/api/v1/alerts/:alertId', async (req, res) => {
    const events = await deps.cases.events(req.params.alertId);
    if (events.length === 0) {
      problem(res, 404, { type: problemType('unknown-alert'), title: 'Unknown alert', detail: 'No alert with this id has been received (ids come from the 202 response of ingestion).' });
      return;
    }
    const group = await deps.groups.groupOf(req.params.alertId);
    res.json({ ...foldCase(req.params.alertId, events), group: group ? { id: group.groupId, count: group.count } : null });
  });

  router.get('/api/v1/cases', async (req, res) => {
    const query = ListQuery.parse(req.query);
    res.json({ items: await deps.groups.list(query) });
  });

  router.get('/api/v1/cases/:groupId', async (req, res) => {
    const group = await deps.groups.get(req.params.groupId);
    if (!group) {
      problem(res, 404, { type: problemType('unknown-case'), title: 'Unknown case', detail: 'No case group has this id (ids come from GET /api/v1/cases).' });
      return;
    }
    // Members whose summary is not written yet are left out here; `memberIds` still names them.
    const members = (await Promise.all(group.memberIds.map((id) => deps.cases.summary(id)))).filter((s) => s !== undefined);
    res.json({ ...group, members });
  });

  const decide = (verdict: 'approve' | 'deny') =>
    async (req: express.Request<{ requestId: string }>, res: express.Response): Promise<void> => {
      const approver = String(res.locals.principal);
      if (!deps.approvers.includes(approver)) {
        problem(res, 403, {
          type: problemType('not-an-approver'),
          title: 'Not allowed to decide containment',
          detail: 'This token may not approve or deny containment; an administrator adds its name to CONTAINMENT_APPROVERS.',
        });
        return;
      }
      const body = DecisionBody.parse(req.body ?? {});
      const requested = await deps.cases.findRequest(req.params.requestId);
      if (!requested) {
        problem(res, 404, { type: problemType('unknown-request'), title: 'Unknown containment request', detail: 'No pending containment request has this id.' });
        return;
      }
      const view = foldCase(requested.alertId, await deps.cases.events(requested.alertId));
      const current = view.containment.find((c) => c.requestId === req.params.requestId);
      if (current && current.status !== 'pending-approval') {
        problem(res, 409, { type: problemType('already-decided'), title: 'Already decided', detail: `This request is ${current.status}${current.decidedBy ? ` (by ${current.decidedBy})` : ''}.` });
        return;
      }
      const now = deps.clock.now();
      const data = {
        requestId: req.params.requestId,
        alertId: requested.alertId,
        approver,
        decidedAt: now.toISOString(),
        comment: body.comment,
        ...(body.changeRef ? { changeRef: body.changeRef } : {}),
      };
      const opts = { id: randomUUID(), source: '/soc/api', time: now, correlationid: requested.correlationid, causationid: requested.eventId, tenantid: view.alert?.tenantId ?? 'default', subject: requested.alertId };
      await deps.bus.publish([verdict === 'approve' ? createEvent(ContainmentApprovedV1, data, opts) : createEvent(ContainmentDeniedV1, data, opts)]);
      res.status(202).json({ requestId: data.requestId, decision: verdict === 'approve' ? 'approved' : 'denied', approver });
    };
  const body = jsonBody({ limitBytes: 16 * 1024 });

  // The analyst's verdict on an alert; enrichment counts it per rule, entity and tenant for the next triage.
  router.post('/api/v1/alerts/:alertId/disposition', body, async (req: express.Request<{ alertId: string }>, res: express.Response) => {
    const input = DispositionBody.parse(req.body ?? {});
    const events = await deps.cases.events(req.params.alertId);
    const view = foldCase(req.params.alertId, events);
    const received = events.find((e) => e.type === 'soc.alert.received.v1');
    if (!view.alert) {
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
      disposition: input.disposition,
      ...(input.note !== undefined ? { note: input.note } : {}),
      analyst,
      at: now.toISOString(),
    };
    await deps.bus.publish([
      createEvent(AlertDispositionedV1, data, {
        id: randomUUID(),
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

  router.post('/api/v1/containment/:requestId/approve', body, decide('approve'));
  router.post('/api/v1/containment/:requestId/deny', body, decide('deny'));
  return router;
}
