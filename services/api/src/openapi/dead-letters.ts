import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { DeadLetterListQuery } from '../dead-letter-routes.ts';
import { BEARER_PROBLEMS, json, problems } from './problem.ts';

/** One dead letter as listed (`deadLetterSummary`): never its body. */
const DeadLetterSchema = z
  .strictObject({
    id: z.string(),
    subscription: z.string(),
    messageId: z.string(),
    type: z.string(),
    correlationId: z.string().nullable(),
    tenantId: z.string().nullable().describe('The event\'s `tenantid`; null when the body names none readable (seen by `*` admins only).'),
    reason: z.string(),
    description: z.string(),
    deliveryCount: z.number().int().min(0),
    deadLetteredAt: z.string(),
  })
  .meta({ id: 'DeadLetter' });

/** Paths of the bus's dead letters (role admin, scoped by tenant). */
export const deadLetterPaths: ZodOpenApiPathsObject = {
  '/api/v1/dead-letters': {
    get: {
      tags: ['admin'],
      summary: "Dead letters of the caller's tenants, without bodies (role admin)",
      requestParams: { query: DeadLetterListQuery },
      responses: {
        '200': json('At most `limit` dead letters read, then those of other tenants left out (`truncated`: there may be more).', z.strictObject({ items: z.array(DeadLetterSchema), limit: z.number().int().min(1), truncated: z.boolean() })),
        ...problems(...BEARER_PROBLEMS),
      },
    },
  },
  '/api/v1/dead-letters/{id}/replay': {
    post: {
      tags: ['admin'],
      summary: 'Put a dead letter back on its subscription, audited first as deadletter.replayed (role admin)',
      requestParams: { path: z.object({ id: z.string().describe('The dead letter\'s id, URL-encoded (it contains a `/`).') }) },
      responses: {
        '200': json('Replayed.', z.strictObject({ id: z.string(), replayed: z.literal(true), subscription: z.string(), by: z.string() })),
        ...problems(...BEARER_PROBLEMS, 404, 503),
      },
    },
  },
};
