import express from 'express';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type AuditTrail, StateAuditTrail } from '@soc/audit';
import { type Bus, type DeliveryInfo, MemoryBus } from '@soc/bus';
import { type Alert, AlertTriagedV1, CaseQuestionAnsweredV1, type SocEvent, causedBy, parseEvent } from '@soc/contracts';
import { type HttpServer, errorHandler, listen } from '@soc/http';
import { createLogger } from '@soc/observability';
import { AppError, ErrorCode, manualClock } from '@soc/runtime';
import { MemoryStateStore } from '@soc/state';
import { StateCaseGroupStore } from '../src/adapters/state-case-group-store.ts';
import { StateCaseStore } from '../src/adapters/state-case-store.ts';
import { makeCaseProjector } from '../src/projector.ts';
import { questionRoutes } from '../src/question-routes.ts';
import { apiRoutes } from '../src/routes.ts';
import { StateRequestLog } from '@soc/containment-requests';
import { receivedEvent, sentinelAlerts } from './support/sentinel-alerts.ts';
import './support/checked-fetch.ts';

const delivery: DeliveryInfo = { subscription: 'case-view', deliveryCount: 1, signal: new AbortController().signal };
const [alert, untriaged] = sentinelAlerts() as [Alert, Alert];
const clock = manualClock('2026-11-23T11:00:00Z');
const enrichment = {
  facts: [{ id: 'fact:asset:host', kind: 'asset' as const, source: 'cmdb', observedAt: '2026-11-23T10:00:00Z', statement: 'A finance workstation', attributes: {} }],
  missing: [],
};
const triage = {
  engine: { name: 'deterministic' as const, version: 't' },
  risk: { score: 72, level: 'high' as const, factors: [{ name: 'asset-criticality', points: 15, evidence: 'finance', factIds: ['fact:asset:host'] }] },
  verdict: { class: 'true-positive' as const, likelihoods: { truePositive: 0.7, benignPositive: 0.2, falsePositive: 0.1 } },
  summary: 's',
  nextSteps: [],
  attack: [],
};

const published: SocEvent[] = [];
let http: HttpServer;
let trail: StateAuditTrail;
let auditDown = false;
let roles = ['viewer', 'analyst'];
let tenants: string[] | '*' = '*';
let project: ReturnType<typeof makeCaseProjector>;
const audit: AuditTrail = {
  append: (entry) => (auditDown ? Promise.reject(new AppError(ErrorCode.DEPENDENCY_UNAVAILABLE, 'state down', { retryable: true })) : trail.append(entry)),
};
const ask = async (alertId: string, body: unknown, headers: Record<string, string> = { 'content-type': 'application/json' }) => {
  const res = await fetch(`${http.url}/api/v1/alerts/${alertId}/questions`, { method: 'POST', headers, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: res.status, type: res.headers.get('content-type') ?? '', retryAfter: res.headers.get('retry-after'), body: (await res.json()) as Record<string, unknown> };
};
const caseOf = async (alertId: string) => (await (await fetch(`${http.url}/api/v1/alerts/${alertId}`)).json()) as { questions: { questionId: string; text: string; askedBy: string; answer: unknown }[] };

beforeAll(async () => {
  const state = new MemoryStateStore();
  trail = new StateAuditTrail(state, { clock });
  const cases = new StateCaseStore(state);
  const groups = new StateCaseGroupStore(state, { windowMinutes: 60 });
  project = makeCaseProjector(cases, groups);
  const received = receivedEvent(alert, new Date('2026-11-23T10:00:00Z'));
  await project(received, delivery);
  await project(causedBy(received, AlertTriagedV1, { alert, enrichment, triage }, { source: '/soc/triage', time: new Date('2026-11-23T10:00:02Z') }), delivery);
  await project(receivedEvent(untriaged, new Date('2026-11-23T10:00:00Z')), delivery);
  const inner = new MemoryBus();
  const bus: Bus = {
    ensureTopology: (s) => inner.ensureTopology(s),
    publish: async (events) => {
      for (const e of events) {
        published.push(e);
        await project(e, delivery);
      }
    },
    subscribe: (o, h) => inner.subscribe(o, h),
    deadLetters: inner.deadLetters,
    depth: () => inner.depth(),
    probe: () => inner.probe(),
    close: () => inner.close(),
  };
  const app = express();
  app.use((_req, res, next) => {
    res.locals.principal = 'a.khan@contoso.com';
    res.locals.roles = roles;
    res.locals.tenants = tenants;
    next();
  });
  app.use(apiRoutes({ tenantId: 'contoso', cases, groups, bus, clock, audit, requests: new StateRequestLog(new MemoryStateStore()) }));
  app.use(questionRoutes({ cases, bus, clock, audit, state, questionsPerHour: 3, tenantId: 'contoso' }));
  app.use(errorHandler({ logger: createLogger({ service: 'api-test', level: 'silent' }) }));
  http = await listen(app, 0, '127.0.0.1');
});
afterAll(() => http.close());
beforeEach(() => {
  roles = ['viewer', 'analyst'];
  tenants = '*';
  auditDown = false;
  published.length = 0;
});

describe('POST /api/v1/alerts/{alertId}/questions', () => {
  it('records the question (audit, then soc.case.question-asked.v1 with the case facts) and the case shows it, then its answer', async () => {
    const text = 'Write a hunt for other hosts that <b>talked</b> to this one';
    const res = await ask(alert.alertId, { text: `  ${text}  ` });
    expect(res.status).toBe(202);
    expect(res.body).toEqual({ alertId: alert.alertId, questionId: expect.stringMatching(/^q-[0-9a-f-]{36}$/), text, askedBy: 'a.khan@contoso.com', at: '2026-11-23T11:00:00.000Z' });
    expect(published).toHaveLength(1);
    const parsed = parseEvent(JSON.parse(JSON.stringify(published[0])));
    expect(parsed.ok).toBe(true);
    expect(published[0]).toMatchObject({
      type: 'soc.case.question-asked.v1',
      source: '/soc/api',
      subject: alert.alertId,
      tenantid: alert.tenantId,
      correlationid: `corr-${alert.alertId}`,
      causationid: `rcv-${alert.alertId}`,
      data: { questionId: res.body.questionId, alertId: alert.alertId, tenantId: alert.tenantId, text, askedBy: 'a.khan@contoso.com', facts: { alert, enrichment, triage } },
    });
    const [record] = await trail.list({ stream: 'case' });
    expect(record).toMatchObject({ kind: 'case.question-asked', actor: 'a.khan@contoso.com', subject: alert.alertId, data: { eventId: published[0]?.id, questionId: res.body.questionId, textLength: text.length } });
    expect(JSON.stringify(record)).not.toContain('talked');

    const asked = (await caseOf(alert.alertId)).questions;
    expect(asked).toEqual([{ questionId: res.body.questionId, text, askedBy: 'a.khan@contoso.com', at: '2026-11-23T11:00:00.000Z', answer: null }]);

    const question = published[0] as Extract<SocEvent, { type: 'soc.case.question-asked.v1' }>;
    const answer = { mode: 'templates' as const, answer: 'Verdict true-positive', citations: [{ id: 'factor:asset-criticality', kind: 'factor' as const, label: 'asset-criticality (+15)' }], hunts: [], removed: [], at: '2026-11-23T11:00:01.000Z' };
    await project(causedBy(question, CaseQuestionAnsweredV1, { questionId: question.data.questionId, alertId: alert.alertId, tenantId: alert.tenantId, ...answer }, { source: '/soc/triage', time: new Date('2026-11-23T11:00:01Z') }), delivery);
    const view = await caseOf(alert.alertId);
    expect(view.questions).toEqual([{ ...asked[0], answer }]);
    // The facts the question carried are the case's: the case keeps them once, not per question.
    expect(JSON.stringify(view.questions)).not.toContain('finance');
  });

  it('needs the analyst role (403 problem), and another tenant\'s case is unknown (404)', async () => {
    roles = ['viewer'];
    const denied = await ask(alert.alertId, { text: 'why?' });
    expect(denied).toMatchObject({ status: 403, type: expect.stringContaining('application/problem+json'), body: { type: 'urn:soc:problem:missing-role' } });
    roles = ['viewer', 'analyst'];
    tenants = ['fabrikam'];
    const hidden = await ask(alert.alertId, { text: 'why?' });
    expect(hidden).toMatchObject({ status: 404, body: { type: 'urn:soc:problem:unknown-alert' } });
    expect(await ask('no-such-alert', { text: 'why?' })).toMatchObject({ status: 404, body: { type: 'urn:soc:problem:unknown-alert' } });
    expect(published).toHaveLength(0);
  });

  it('refuses bad bodies with problem details: empty, too long, unknown fields, not JSON, too large', async () => {
    expect(await ask(alert.alertId, { text: '   ' })).toMatchObject({ status: 400, body: { status: 400 } });
    expect(await ask(alert.alertId, { text: 'x'.repeat(2001) })).toMatchObject({ status: 400 });
    expect(await ask(alert.alertId, { text: 'why?', model: 'gpt-5' })).toMatchObject({ status: 400 });
    expect(await ask(alert.alertId, 'text=why', { 'content-type': 'text/plain' })).toMatchObject({ status: 415 });
    expect(await ask(alert.alertId, { text: 'x'.repeat(17 * 1024) })).toMatchObject({ status: 413 });
    expect(published).toHaveLength(0);
  });

  it('answers 503 (Retry-After) for a case not triaged yet and when the audit trail is down; nothing is published', async () => {
    const early = await ask(untriaged.alertId, { text: 'why?' });
    expect(early).toMatchObject({ status: 503, retryAfter: '5', body: { type: 'urn:soc:problem:case-not-triaged' } });
    auditDown = true;
    expect(await ask(alert.alertId, { text: 'why?' })).toMatchObject({ status: 503, body: { type: 'urn:soc:problem:audit-unavailable' } });
    expect(published).toHaveLength(0);
  });

  it('limits questions per principal and hour (429 with Retry-After), and a new hour allows again', async () => {
    // The limit is 3: the first test's question and the one refused while the audit trail was down count (a question
    // that passed the limit), the ones refused earlier (role, tenant, body, not triaged) do not.
    expect((await ask(alert.alertId, { text: 'third?' })).status).toBe(202);
    const over = await ask(alert.alertId, { text: 'fourth?' });
    expect(over).toMatchObject({ status: 429, retryAfter: '3600', body: { type: 'urn:soc:problem:too-many-questions' } });
    expect(published).toHaveLength(1);
    clock.advance(3_600_000);
    expect((await ask(alert.alertId, { text: 'next hour?' })).status).toBe(202);
  });
});
