import express, { type Router } from 'express';
import { z } from 'zod';
import type { AuditTrail } from '@soc/audit';
import type { DeadLetter, DeadLetterAdmin } from '@soc/bus';
import { type TenantGrant, mayAccess, problem, problemType, requireRole, tenantsOf } from '@soc/http';

/** What the dead-letter routes need: the bus's dead-letter admin and the audit trail replays are recorded on. */
export interface DeadLetterRoutesDeps {
  deadLetters: DeadLetterAdmin;
  audit: AuditTrail;
  /** The topology's subscription names (a `subscription=` outside them is a 400, not an empty list). */
  subscriptions: readonly string[];
}

// Strict: a misspelt parameter is a 400 naming it, not a list of something else than asked.
export const DeadLetterListQuery = z
  .object({
    subscription: z.string().min(1).max(128).optional(),
    limit: z.coerce.number().int().min(1).max(500).default(100),
  })
  .strict();

const TENANT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;

/**
 * The tenant a dead letter belongs to: its body's CloudEvents `tenantid`, when the body is an object naming a
 * well-formed one. Undefined otherwise (a body that never parsed): such a message may be any tenant's, so only a
 * principal of every tenant (`*`) may see it, unlike a case without tenant, whose events are the deployment's own.
 */
export function tenantOfDeadLetter(body: unknown): string | undefined {
  if (typeof body !== 'object' || body === null || Array.isArray(body)) return undefined;
  const tenant = (body as { tenantid?: unknown }).tenantid;
  return typeof tenant === 'string' && TENANT_ID.test(tenant) ? tenant : undefined;
}

/** Whether a principal holding `grant` may see (and replay) a dead letter of `tenant` (undefined: unreadable). */
export function maySeeDeadLetter(grant: TenantGrant, tenant: string | undefined): boolean {
  return tenant === undefined ? grant === '*' : mayAccess(grant, tenant);
}

/** A dead letter as listed: what went wrong and where, never the body (raw, possibly attacker-written, message data). */
export function deadLetterSummary(d: DeadLetter) {
  return {
    id: d.id,
    subscription: d.subscription,
    messageId: d.messageId,
    type: d.type,
    correlationId: d.correlationId ?? null,
    tenantId: tenantOfDeadLetter(d.body) ?? null,
    reason: d.reason,
    description: d.description,
    deliveryCount: d.deliveryCount,
    deadLetteredAt: d.deadLetteredAt,
  };
}

/**
 * `GET /api/v1/dead-letters` and `POST /api/v1/dead-letters/{id}/replay` (role admin), scoped by tenant: a dead
 * letter is its event's tenant's (`tenantid`); another tenant's answers 404 like an unknown one and lists leave it
 * out; one whose body names no readable tenant is seen by `*` admins only. A replay is audited first
 * (`deadletter.replayed`) and not done when it cannot be (503), like a disposition.
 */
export function deadLetterRoutes(deps: DeadLetterRoutesDeps): Router {
  const router = express.Router();
  const admin = requireRole('admin');
  router.get('/api/v1/dead-letters', admin, async (req, res) => {
    const query = DeadLetterListQuery.parse(req.query);
    if (query.subscription !== undefined && !deps.subscriptions.includes(query.subscription)) {
      problem(res, 400, { type: problemType('invalid-query'), title: 'Unknown subscription', detail: `subscription must be one of ${deps.subscriptions.join(', ')}.` });
      return;
    }
    const grant = tenantsOf(res);
    const listed = await deps.deadLetters.list({ limit: query.limit, ...(query.subscription !== undefined ? { subscription: query.subscription } : {}) });
    // Filtered after the query, like the quarantine: an admin of some tenants may see fewer than `limit`.
    const items = listed.filter((d) => maySeeDeadLetter(grant, tenantOfDeadLetter(d.body))).map(deadLetterSummary);
    res.json({ items, limit: query.limit, truncated: listed.length >= query.limit });
  });
  router.post('/api/v1/dead-letters/:id/replay', admin, async (req, res) => {
    const id = req.params.id;
    const found = id.length <= 512 ? await deps.deadLetters.get(id) : undefined;
    const tenant = found === undefined ? undefined : tenantOfDeadLetter(found.body);
    if (found === undefined || !maySeeDeadLetter(tenantsOf(res), tenant)) {
      problem(res, 404, { type: problemType('unknown-dead-letter'), title: 'Unknown dead letter', detail: 'No dead letter has this id (GET /api/v1/dead-letters lists them; a replayed one is gone).' });
      return;
    }
    const actor = String(res.locals.principal);
    try {
      await deps.audit.append({
        kind: 'deadletter.replayed',
        actor,
        subject: found.id,
        ...(tenant !== undefined ? { tenantId: tenant } : {}),
        data: { subscription: found.subscription, messageId: found.messageId, type: found.type, reason: found.reason, deliveryCount: found.deliveryCount },
      });
    } catch {
      problem(res, 503, { type: problemType('audit-unavailable'), title: 'Audit trail unavailable', detail: 'The dead letter was not replayed: the audit trail could not be written. Retry later.' });
      return;
    }
    if (!(await deps.deadLetters.replay(found.id))) {
      // Replayed (or purged) by someone else between the read and now: the record above says who asked.
      problem(res, 404, { type: problemType('unknown-dead-letter'), title: 'Unknown dead letter', detail: 'The dead letter was replayed or removed meanwhile.' });
      return;
    }
    res.json({ id: found.id, replayed: true, subscription: found.subscription, by: actor });
  });
  return router;
}
