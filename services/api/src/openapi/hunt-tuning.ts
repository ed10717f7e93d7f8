import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { AuditListQuery, QueryBody } from '../hunt-routes.ts';
import { PutBody } from '../tuning-routes.ts';
import { BEARER_PROBLEMS, json, problems } from './problem.ts';

/** One KQL audit record (`KqlAuditRecord` of libs/log-analytics). */
const KqlAuditRecordSchema = z
  .looseObject({ id: z.string(), seq: z.number().int(), at: z.string(), finishedAt: z.string().nullable(), caller: z.string(), purpose: z.string(), correlationId: z.string().nullable(), backend: z.string() })
  .meta({ id: 'KqlAuditRecord' });

/** A hunt run (`KqlRunResult` of libs/log-analytics, with the executor's backend). */
const KqlRunSchema = z
  .looseObject({
    backend: z.string(),
    auditId: z.string(),
    status: z.enum(['denied', 'not-executed', 'succeeded', 'partial', 'failed']),
    verdict: z.looseObject({}),
    tables: z.array(z.looseObject({})).optional(),
    rowCount: z.number().int(),
    durationMs: z.number(),
    reason: z.string().optional(),
    error: z.looseObject({}).optional(),
  })
  .meta({ id: 'KqlRun' });

/** A tenant's triage tuning, current or one version (`@soc/triage-tuning`); version 0 with no entries when never tuned. */
const TuningSchema = z
  .looseObject({
    tenantId: z.string(),
    version: z.number().int().min(0),
    sha256: z.string().nullable(),
    previousSha256: z.string().nullable(),
    changedBy: z.string().nullable(),
    changedAt: z.string().nullable(),
    entries: z.array(z.looseObject({ id: z.string() })),
  })
  .meta({ id: 'TriageTuning' });

/** A tenant of the caller's: another tenant answers 404, as an unknown one would (SOC_API_TENANTS). */
const TenantParams = z.object({ tenant: z.string() });

/** Paths of hunting (role hunter) and per-tenant triage tuning (role admin). */
export const huntTuningPaths: ZodOpenApiPathsObject = {
  '/api/v1/hunt/queries': {
    post: {
      tags: ['hunt'],
      summary: 'Run a KQL query after the guard allowed it (role hunter)',
      requestBody: { content: { 'application/json': { schema: QueryBody } } },
      responses: { '200': json('The run (a denied query is a 200 with status denied).', KqlRunSchema), ...problems(...BEARER_PROBLEMS, 413, 415) },
    },
  },
  '/api/v1/hunt/audit': {
    get: {
      tags: ['hunt'],
      summary: 'The KQL audit trail, newest first (role hunter)',
      requestParams: { query: AuditListQuery },
      responses: { '200': json('A page.', z.object({ items: z.array(KqlAuditRecordSchema), next: z.number().int().nullable() })), ...problems(...BEARER_PROBLEMS) },
    },
  },
  '/api/v1/hunt/audit/{auditId}': {
    get: {
      tags: ['hunt'],
      summary: 'One audit record (role hunter)',
      requestParams: { path: z.object({ auditId: z.string() }) },
      responses: { '200': json('The record.', KqlAuditRecordSchema), ...problems(...BEARER_PROBLEMS, 404) },
    },
  },
  '/api/v1/tenants/{tenant}/triage-tuning': {
    get: {
      tags: ['tuning'],
      summary: 'The tenant\'s current triage tuning (role admin)',
      requestParams: { path: TenantParams },
      responses: { '200': json('The current version.', TuningSchema), ...problems(...BEARER_PROBLEMS, 404) },
    },
    put: {
      tags: ['tuning'],
      summary: 'Replace the entries on top of the version read (role admin)',
      requestParams: { path: TenantParams },
      requestBody: { content: { 'application/json': { schema: PutBody } } },
      responses: { '200': json('The new version.', TuningSchema), ...problems(...BEARER_PROBLEMS, 404, 409, 413, 415, 503) },
    },
  },
  '/api/v1/tenants/{tenant}/triage-tuning/versions': {
    get: {
      tags: ['tuning'],
      summary: 'The versions, newest first (role admin)',
      requestParams: { path: TenantParams },
      responses: {
        '200': json(
          'The versions.',
          z.object({
            tenantId: z.string(),
            items: z.array(
              z.looseObject({ version: z.number().int(), sha256: z.string(), previousSha256: z.string().nullable(), changedBy: z.string(), changedAt: z.string(), entryCount: z.number().int() }),
            ),
          }),
        ),
        ...problems(...BEARER_PROBLEMS, 404),
      },
    },
  },
  '/api/v1/tenants/{tenant}/triage-tuning/versions/{version}': {
    get: {
      tags: ['tuning'],
      summary: 'One version in full (role admin)',
      requestParams: { path: z.object({ tenant: z.string(), version: z.string().regex(/^[0-9]+$/) }) },
      responses: { '200': json('The version.', TuningSchema), ...problems(...BEARER_PROBLEMS, 404) },
    },
  },
};
