import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { CaseStatus } from '@soc/contracts';
import { AssigneeBody, NoteBody, StatusBody } from '../casework-routes.ts';
import { BEARER_PROBLEMS, json, problems } from './problem.ts';

const AlertIdParams = z.object({ alertId: z.string().meta({ description: 'The alert id (from ingestion\'s 202).' }) });

/** The answer to an assignment or status change: the case's casework after it, and whether it changed. */
export const CaseworkResponse = z
  .object({ alertId: z.string(), assignee: z.string().nullable(), status: CaseStatus, changed: z.boolean(), by: z.string().optional(), at: z.string().optional() })
  .meta({ id: 'CaseworkChanged' });

export const NoteResponse = z
  .object({ alertId: z.string(), tenantId: z.string(), noteId: z.string(), text: z.string(), author: z.string(), at: z.string() })
  .meta({ id: 'CaseNote' });

const changeResponses = (what: string) => ({
  '200': json(`The same ${what} again: nothing changed (no event).`, CaseworkResponse),
  '202': json('Recorded on the audit trail and published; the case shows it once the case view has it.', CaseworkResponse),
});

/** Paths of casework: assignment, status and notes of a case (role analyst). */
export const caseworkPaths: ZodOpenApiPathsObject = {
  '/api/v1/alerts/{alertId}/assignee': {
    put: {
      tags: ['cases'],
      summary: 'Assign, reassign or release a case (role analyst)',
      description: 'A case held by someone else is taken over or released only with `expected` naming its current assignee (409 `already-assigned` otherwise; 409 `assignee-changed` when `expected` is stale). 422 `unknown-assignee`: not a configured principal with the analyst role that sees the case\'s tenant.',
      requestParams: { path: AlertIdParams },
      requestBody: { content: { 'application/json': { schema: AssigneeBody } } },
      responses: { ...changeResponses('assignee'), ...problems(...BEARER_PROBLEMS, 404, 409, 413, 415, 422, 503) },
    },
  },
  '/api/v1/alerts/{alertId}/status': {
    put: {
      tags: ['cases'],
      summary: 'Move a case to another status (role analyst)',
      description: '`resolved` needs a disposition (409 `disposition-required`); a resolved case reopens to `in-progress` only (409 `case-resolved`); a stale `expected` is 409 `status-changed`.',
      requestParams: { path: AlertIdParams },
      requestBody: { content: { 'application/json': { schema: StatusBody } } },
      responses: { ...changeResponses('status'), ...problems(...BEARER_PROBLEMS, 404, 409, 413, 415, 503) },
    },
  },
  '/api/v1/alerts/{alertId}/notes': {
    post: {
      tags: ['cases'],
      summary: 'Add a note to a case (role analyst)',
      requestParams: { path: AlertIdParams },
      requestBody: { content: { 'application/json': { schema: NoteBody } } },
      responses: { '201': json('The note, recorded (its hash on the audit trail) and published.', NoteResponse), ...problems(...BEARER_PROBLEMS, 404, 413, 415, 503) },
    },
  },
};
