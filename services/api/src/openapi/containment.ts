import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import type { RequestStatus } from '@soc/containment-requests';
import { ContainmentRunbook } from '@soc/contracts';
import { ApproveBody, DenyBody, FreezeBody, UndoApproveBody, UndoBody, UndoDenyBody } from '../containment-routes.ts';
import { BEARER_PROBLEMS, json, problems } from './problem.ts';

const STATUSES = [
  'pending-approval',
  'approved',
  'executing',
  'executed',
  'verifying',
  'done',
  'failed',
  'refused',
  'denied',
  'expired',
  'voided',
  'undo-pending-approval',
  'undo-approved',
  'undoing',
  'undone',
  'undo-failed',
] as const satisfies readonly RequestStatus[];
// Every status of containment's record is listed: a new one fails the type check here, not a test at run time.
const EVERY_STATUS: [Exclude<RequestStatus, (typeof STATUSES)[number]>] extends [never] ? typeof STATUSES : never = STATUSES;
/** A request's status (`RequestStatus` of `@soc/containment-requests`). */
export const RequestStatusSchema = z.enum(EVERY_STATUS).meta({ id: 'RequestStatus' });

const Approval = z.looseObject({ approver: z.string(), at: z.string(), comment: z.string(), changeRef: z.string().optional() });

/** A containment request as the API shows it (`requestView` of containment-routes.ts). */
export const ContainmentRequestSchema = z
  .looseObject({
    requestId: z.string(),
    alertId: z.string(),
    tenantId: z.string(),
    runbook: ContainmentRunbook,
    runbookInfo: z.object({ does: z.string(), reversible: z.boolean(), undo: z.string().optional(), cannotBeUndone: z.string().optional() }),
    target: z.looseObject({ type: z.string(), value: z.string() }),
    arguments: z.unknown(),
    reason: z.string(),
    status: RequestStatusSchema.meta({ description: 'As of now: a pending request past `expiresAt` reads `expired`.' }),
    requestedAt: z.string(),
    expiresAt: z.string(),
    bindingHash: z.string(),
    approvalsRequired: z.number().int(),
    approvals: z.array(Approval),
    sender: z.string().nullable(),
    decidedBy: z.string().optional(),
    undoable: z.boolean(),
    undo: z
      .looseObject({ requestedBy: z.string(), requestedAt: z.string(), reason: z.string(), bindingHash: z.string(), approvals: z.array(Approval) })
      .optional(),
  })
  .meta({ id: 'ContainmentRequest' });

/** The answer to an approve or deny (`decideContainment`). */
export const ContainmentDecisionSchema = z
  .object({
    requestId: z.string(),
    decision: z.enum(['approved', 'denied', 'approval-recorded']),
    approver: z.string(),
    approvals: z.number().int(),
    approvalsRequired: z.number().int(),
  })
  .meta({ id: 'ContainmentDecision' });

/** The answer to an undo step (`decideUndo`). */
export const UndoDecisionSchema = z
  .object({
    requestId: z.string(),
    decision: z.enum(['undo-requested', 'undo-approved', 'undo-approval-recorded', 'undo-denied']),
    by: z.string(),
    approvalsRequired: z.number().int(),
    undoBindingHash: z.string().optional(),
  })
  .meta({ id: 'UndoDecision' });

const FreezeEntry = z.object({ frozen: z.boolean(), runbook: z.string().optional(), by: z.string(), at: z.string(), reason: z.string() }).meta({ id: 'FreezeEntry' });
export const FreezeStateSchema = z.object({ global: FreezeEntry.nullable(), runbooks: z.record(z.string(), FreezeEntry) }).meta({ id: 'FreezeState' });

const RequestIdParams = z.object({ requestId: z.string() });
const decisionProblems = problems(...BEARER_PROBLEMS, 404, 409, 410, 413, 415, 422, 503);

/** Paths of containment: read a request, approve / deny it, its undo, and the emergency freeze. */
export const containmentPaths: ZodOpenApiPathsObject = {
  '/api/v1/containment/freeze': {
    get: {
      tags: ['containment'],
      summary: 'The freeze switches (role viewer)',
      responses: { '200': json('The switches.', FreezeStateSchema), ...problems(...BEARER_PROBLEMS) },
    },
    put: {
      tags: ['containment'],
      summary: 'Set or lift a freeze (role admin, of every tenant: the freeze spans the installation)',
      requestBody: { content: { 'application/json': { schema: FreezeBody } } },
      responses: {
        '200': json('The switches after the change, and the change.', z.object({ global: FreezeEntry.nullable(), runbooks: z.record(z.string(), FreezeEntry), changed: FreezeEntry })),
        ...problems(...BEARER_PROBLEMS, 413, 415, 503),
      },
    },
  },
  '/api/v1/containment/{requestId}': {
    get: {
      tags: ['containment'],
      summary: 'A containment request as containment records it (role viewer)',
      requestParams: { path: RequestIdParams },
      responses: { '200': json('The request.', ContainmentRequestSchema), ...problems(...BEARER_PROBLEMS, 404) },
    },
  },
  '/api/v1/containment/{requestId}/approve': {
    post: {
      tags: ['containment'],
      summary: 'Approve, quoting the binding hash (role approver)',
      requestParams: { path: RequestIdParams },
      requestBody: { content: { 'application/json': { schema: ApproveBody } } },
      responses: { '202': json('Recorded; containment acts on the event.', ContainmentDecisionSchema), ...decisionProblems },
    },
  },
  '/api/v1/containment/{requestId}/deny': {
    post: {
      tags: ['containment'],
      summary: 'Deny (role approver)',
      requestParams: { path: RequestIdParams },
      requestBody: { content: { 'application/json': { schema: DenyBody } } },
      responses: { '202': json('Recorded.', ContainmentDecisionSchema), ...decisionProblems },
    },
  },
  '/api/v1/containment/{requestId}/undo': {
    post: {
      tags: ['containment'],
      summary: 'Ask for the undo of a done action (role analyst)',
      requestParams: { path: RequestIdParams },
      requestBody: { content: { 'application/json': { schema: UndoBody } } },
      responses: { '202': json('Asked.', UndoDecisionSchema), ...decisionProblems },
    },
  },
  '/api/v1/containment/{requestId}/undo/approve': {
    post: {
      tags: ['containment'],
      summary: 'Approve an undo, quoting its binding hash (role approver)',
      requestParams: { path: RequestIdParams },
      requestBody: { content: { 'application/json': { schema: UndoApproveBody } } },
      responses: { '202': json('Recorded.', UndoDecisionSchema), ...decisionProblems },
    },
  },
  '/api/v1/containment/{requestId}/undo/deny': {
    post: {
      tags: ['containment'],
      summary: 'Deny an undo (role approver)',
      requestParams: { path: RequestIdParams },
      requestBody: { content: { 'application/json': { schema: UndoDenyBody } } },
      responses: { '202': json('Recorded.', UndoDecisionSchema), ...decisionProblems },
    },
  },
};
