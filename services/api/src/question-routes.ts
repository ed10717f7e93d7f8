import { createHash, randomUUID } from 'node:crypto';
import express, { type Router } from 'express';
import { z } from 'zod';
import type { AuditTrail } from '@soc/audit';
import type { Bus } from '@soc/bus';
import { CaseQuestionAskedV1, MAX_QUESTION_LENGTH, createEvent } from '@soc/contracts';
import { jsonBody, problem, problemType, requireRole } from '@soc/http';
import type { Clock } from '@soc/runtime';
import { type StateStore, updateWithRetry } from '@soc/state';
import { foldCase } from './case-view.ts';
import type { CaseStore } from './ports.ts';
import { tenantOfCase, tenantScope } from './tenancy.ts';

/** What the case question route needs. */
export interface QuestionRoutesDeps {
  cases: CaseStore;
  bus: Bus;
  clock: Clock;
  /** Where a question is recorded before it is published; a question that cannot be recorded is refused (503). */
  audit: AuditTrail;
  /** Where each principal's questions of the hour are counted (shared by replicas). */
  state: StateStore;
  /** Questions a principal may ask per clock hour (every model call costs tokens of triage's hourly budget). */
  questionsPerHour: number;
  /** The deployment's tenant (SOC_TENANT_ID): the tenant of a case that names none. */
  tenantId: string;
}

export const QuestionBody = z.object({ text: z.string().trim().min(1).max(MAX_QUESTION_LENGTH) }).strict();

/** The question as asked, until triage answers it (the case shows it in `questions` with `answer: null`). */
export interface QuestionAccepted {
  alertId: string;
  questionId: string;
  text: string;
  askedBy: string;
  at: string;
}

const COUNTS = 'chat-questions';

/**
 * Counts a question of `principal` in this hour; false when the hour's allowance is spent. Compare-and-swap on the
 * count document, so concurrent requests on several replicas never together pass the allowance.
 */
async function allow(state: StateStore, principal: string, hour: string, perHour: number): Promise<boolean> {
  let isAllowed = false;
  const id = `${createHash('sha256').update(principal).digest('hex').slice(0, 32)}:${hour}`;
  await updateWithRetry<{ count: number }>(
    state,
    COUNTS,
    id,
    (c) => {
      const count = c?.count ?? 0;
      isAllowed = count < perHour;
      return isAllowed ? { count: count + 1 } : undefined;
    },
    { ttlSeconds: 7200, maxAttempts: 50 },
  );
  return isAllowed;
}

/**
 * Ask the copilot about a case (analyst): the question goes on the audit trail, then on the bus as
 * `soc.case.question-asked.v1` with the facts of the case as it stands; triage answers with
 * `soc.case.question-answered.v1` and the case (`GET /api/v1/alerts/{alertId}`) shows both in `questions`.
 */
export function questionRoutes(deps: QuestionRoutesDeps): Router {
  const router = express.Router();
  router.post('/api/v1/alerts/:alertId/questions', requireRole('analyst'), jsonBody({ limitBytes: 16 * 1024 }), async (req: express.Request<{ alertId: string }>, res: express.Response) => {
    const input = QuestionBody.parse(req.body ?? {});
    const events = await deps.cases.events(req.params.alertId);
    const view = foldCase(req.params.alertId, events);
    // Another tenant's alert is answered as one that does not exist: its existence is not the caller's to know.
    if (events.length === 0 || !tenantScope(res, deps.tenantId).sees(tenantOfCase(events, view.alert))) {
      problem(res, 404, { type: problemType('unknown-alert'), title: 'Unknown alert', detail: 'No alert with this id has been received (ids come from the 202 response of ingestion).' });
      return;
    }
    const { alert, enrichment, triage } = view;
    if (alert === null || enrichment === null || triage === null) {
      res.setHeader('Retry-After', '5');
      problem(res, 503, { type: problemType('case-not-triaged'), title: 'Case not triaged yet', detail: 'The copilot answers from the case\'s triage, which is not on record yet; retry in a few seconds.' });
      return;
    }
    const askedBy = String(res.locals.principal);
    const now = deps.clock.now();
    if (!(await allow(deps.state, askedBy, now.toISOString().slice(0, 13), deps.questionsPerHour))) {
      res.setHeader('Retry-After', String(3600 - Math.floor((now.getTime() % 3_600_000) / 1000)));
      problem(res, 429, { type: problemType('too-many-questions'), title: 'Too many questions', detail: `At most ${deps.questionsPerHour} questions per hour per principal (SOC_CHAT_QUESTIONS_PER_HOUR).` });
      return;
    }
    const questionId = `q-${randomUUID()}`;
    const eventId = randomUUID();
    try {
      await deps.audit.append({
        kind: 'case.question-asked',
        actor: askedBy,
        subject: alert.alertId,
        tenantId: alert.tenantId,
        // The question is free text (maybe pasted alert text): its hash and length are on the record, the text stays in the case.
        data: { eventId, questionId, textSha256: createHash('sha256').update(input.text).digest('hex'), textLength: input.text.length },
      });
    } catch {
      problem(res, 503, { type: problemType('audit-unavailable'), title: 'Audit trail unavailable', detail: 'The question was not asked: the audit trail could not be written. Retry later.' });
      return;
    }
    const received = events.find((e) => e.type === 'soc.alert.received.v1');
    const data = { questionId, alertId: alert.alertId, tenantId: alert.tenantId, text: input.text, askedBy, at: now.toISOString(), facts: { alert, enrichment, triage } };
    await deps.bus.publish([
      createEvent(CaseQuestionAskedV1, data, {
        id: eventId,
        source: '/soc/api',
        time: now,
        correlationid: view.correlationId,
        ...(received ? { causationid: received.eventId } : {}),
        tenantid: alert.tenantId,
        subject: alert.alertId,
      }),
    ]);
    const accepted: QuestionAccepted = { alertId: alert.alertId, questionId, text: input.text, askedBy, at: data.at };
    res.status(202).json(accepted);
  });
  return router;
}
