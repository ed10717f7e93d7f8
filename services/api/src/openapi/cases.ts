import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { Action, Alert, AlertRevision, CaseStatus, ContainmentRunbook, Disposition, Enrichment, Triage } from '@soc/contracts';
import { HuntQuery } from '../case-hunt-routes.ts';
import { QueueQuery } from '../case-queue.ts';
import { DispositionBody, ListQuery } from '../routes.ts';
import { StalledQuery } from '../stalled-routes.ts';
import { RequestStatusSchema } from './containment.ts';
import { BEARER_PROBLEMS, json, problems } from './problem.ts';
import { CaseQuestionSchema } from './questions.ts';

const Verdict = z.enum(['true-positive', 'benign-positive', 'false-positive', 'needs-more-information']);

/** A case summary (`CaseSummary` of ports.ts), as the alert list and a group's members show it. */
export const CaseSummarySchema = z
  .looseObject({
    alertId: z.string(),
    correlationId: z.string(),
    title: z.string(),
    severity: z.string(),
    source: z.string(),
    receivedAt: z.string(),
    stage: z.enum(['received', 'decided']),
    riskScore: z.number().nullable(),
    riskLevel: z.string().nullable(),
    verdict: z.string().nullable(),
    actions: z.array(z.string()),
    revision: AlertRevision.nullable().optional(),
  })
  .meta({ id: 'CaseSummary' });

/** A case group (`CaseGroup` of case-group.ts). */
const CaseGroupFields = {
  groupId: z.string(),
  key: z.string(),
  tenantId: z.string(),
  firstAlertId: z.string(),
  title: z.string(),
  severity: z.string(),
  source: z.string(),
  count: z.number().int().min(1),
  firstSeen: z.string(),
  lastSeen: z.string(),
  riskScore: z.number().nullable(),
  riskLevel: z.string().nullable(),
  verdict: Verdict.nullable(),
  memberIds: z.array(z.string()),
  assignee: z.string().nullable().optional(),
  status: CaseStatus.optional(),
};
export const CaseGroupSchema = z.looseObject(CaseGroupFields).meta({ id: 'CaseGroup' });

/** A page of the queue: case groups with their lead alert's casework, SLA due time and age. */
export const QueuePageSchema = z
  .object({
    items: z.array(
      z.looseObject({
        ...CaseGroupFields,
        assignee: z.string().nullable(),
        status: CaseStatus,
        slaDueAt: z.string().nullable().meta({ description: 'firstSeen + the SLA minutes of its severity (SOC_SLA_MINUTES); null when it has none.' }),
        ageSeconds: z.number().int().min(0),
      }),
    ),
    next: z.string().nullable().meta({ description: 'The cursor of the next page; null on the last.' }),
    scope: z.object({ scanned: z.number().int(), truncated: z.boolean().meta({ description: 'True when more groups exist than one read takes (1000, newest activity first).' }) }),
  })
  .meta({ id: 'QueuePage' });

/** A containment request as the case lists it (from containment's record when it has one, else from the case's events). */
export const CaseContainmentSchema = z.looseObject({
  requestId: z.string(),
  runbook: ContainmentRunbook,
  target: z.looseObject({ entityId: z.string().optional(), type: z.string(), value: z.string() }),
  status: RequestStatusSchema,
  expiresAt: z.string(),
});

/** The case of one alert (`CaseView` of case-view.ts) with its group. */
export const CaseViewSchema = z
  .looseObject({
    alertId: z.string(),
    correlationId: z.string(),
    stage: z.enum(['received', 'enriched', 'triaged', 'decided']),
    alert: Alert.nullable(),
    receivedAt: z.string().nullable(),
    enrichment: Enrichment.nullable(),
    triage: Triage.nullable(),
    decision: z
      .looseObject({
        policy: z.object({ id: z.string(), version: z.string() }),
        actions: z.array(Action),
        rejected: z.array(z.object({ kind: z.string(), reason: z.string() })),
        decidedAt: z.string(),
      })
      .nullable(),
    revisions: z.array(z.looseObject({ key: z.string().nullable(), current: z.boolean(), receivedAt: z.string().nullable() })),
    notifications: z.array(z.looseObject({ channel: z.string(), deliveryId: z.string(), time: z.string() })),
    tickets: z.array(z.looseObject({ system: z.string(), ticketId: z.string(), status: z.string(), time: z.string() })),
    containment: z.array(CaseContainmentSchema),
    failures: z.array(z.looseObject({ subscription: z.string(), failedEventType: z.string(), reason: z.string(), time: z.string() })),
    disposition: z.looseObject({ disposition: Disposition, note: z.string().optional(), analyst: z.string(), at: z.string() }).nullable(),
    assignee: z.string().nullable().meta({ description: 'Who works the case; null: nobody.' }),
    status: CaseStatus,
    notes: z.array(z.object({ noteId: z.string(), text: z.string(), author: z.string(), at: z.string() })).meta({ description: 'The analysts\' notes, newest last (free text: show it as text).' }),
    questions: z.array(CaseQuestionSchema),
    timeline: z.array(
      z.looseObject({ type: z.string(), time: z.string(), id: z.string(), source: z.string(), correlationid: z.string(), causationid: z.string().nullable() }),
    ),
    group: z.object({ id: z.string(), count: z.number().int() }).nullable(),
  })
  .meta({ id: 'Case' });

/** The answer to a disposition: the recorded one (202, `changed: true`) or the same one again (200, `changed: false`). */
export const DispositionResponse = z
  .object({ alertId: z.string(), disposition: Disposition, note: z.string().optional(), analyst: z.string(), at: z.string(), changed: z.boolean() })
  .meta({ id: 'DispositionRecorded' });

export const StalledResponse = z.object({
  stallAfterSeconds: z.number().int(),
  count: z.number().int(),
  items: z.array(z.object({ alertId: z.string(), correlationId: z.string(), stage: z.enum(['received', 'enriched', 'triaged']), receivedAt: z.string(), ageSeconds: z.number().int() })),
});

export const CaseHuntsResponse = z.object({
  alertId: z.string(),
  correlationId: z.string(),
  lookbackDays: z.number().int(),
  queries: z.array(z.looseObject({})),
  dropped: z.array(z.looseObject({})),
  copilot: z.array(z.string()).meta({ description: 'The copilot\'s KQL suggestions from triage (each passed the guard there), as text.' }),
});

const AlertIdParams = z.object({ alertId: z.string().meta({ description: 'The alert id (from ingestion\'s 202).' }) });

/** Paths of the alert list, the case, its hunts, dispositions, case groups and stalled alerts. */
export const casePaths: ZodOpenApiPathsObject = {
  '/api/v1/alerts': {
    get: {
      tags: ['cases'],
      summary: 'Case summaries, newest first (role viewer)',
      requestParams: { query: ListQuery },
      responses: { '200': json('Case summaries.', z.object({ items: z.array(CaseSummarySchema) })), ...problems(...BEARER_PROBLEMS) },
    },
  },
  '/api/v1/alerts/stalled': {
    get: {
      tags: ['cases'],
      summary: 'Alerts answered 202 with no decision after the threshold, oldest first (role viewer)',
      requestParams: { query: StalledQuery },
      responses: { '200': json('Stalled alerts.', StalledResponse), ...problems(...BEARER_PROBLEMS) },
    },
  },
  '/api/v1/alerts/{alertId}': {
    get: {
      tags: ['cases'],
      summary: 'The case of an alert (role viewer)',
      requestParams: { path: AlertIdParams },
      responses: { '200': json('The case.', CaseViewSchema), ...problems(...BEARER_PROBLEMS, 404) },
    },
  },
  '/api/v1/alerts/{alertId}/hunts': {
    get: {
      tags: ['hunt'],
      summary: 'The case\'s guard-approved hunt queries (role viewer)',
      requestParams: { path: AlertIdParams, query: HuntQuery },
      responses: { '200': json('The hunt queries.', CaseHuntsResponse), ...problems(...BEARER_PROBLEMS, 404, 429, 503) },
    },
  },
  '/api/v1/alerts/{alertId}/disposition': {
    post: {
      tags: ['cases'],
      summary: 'Record the analyst\'s disposition (role analyst)',
      requestParams: { path: AlertIdParams },
      requestBody: { content: { 'application/json': { schema: DispositionBody } } },
      responses: {
        '200': json('The same disposition again: nothing changed.', DispositionResponse),
        '202': json('Recorded and published.', DispositionResponse),
        ...problems(...BEARER_PROBLEMS, 404, 413, 415, 503),
      },
    },
  },
  '/api/v1/cases': {
    get: {
      tags: ['cases'],
      summary: 'The analyst\'s queue: case groups filtered, sorted (priority by default) and paged (role viewer)',
      requestParams: { query: QueueQuery },
      responses: { '200': json('A page of the queue.', QueuePageSchema), ...problems(...BEARER_PROBLEMS) },
    },
  },
  '/api/v1/cases/{groupId}': {
    get: {
      tags: ['cases'],
      summary: 'A case group with its members (role viewer)',
      requestParams: { path: z.object({ groupId: z.string() }) },
      responses: {
        '200': json('The group.', z.looseObject({ ...CaseGroupFields, members: z.array(CaseSummarySchema) })),
        ...problems(...BEARER_PROBLEMS, 404),
      },
    },
  },
};
