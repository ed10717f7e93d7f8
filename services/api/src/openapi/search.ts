import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { PivotParams, PivotQuery, SearchQuery } from '../search-routes.ts';
import { CaseSummarySchema } from './cases.ts';
import { BEARER_PROBLEMS, json, problems } from './problem.ts';

const Origin = z.enum(['source', 'extracted']).meta({ description: '`source`: named by the source product; `extracted`: found in the alert\'s free text (attacker-writable).' });

/** A case that holds the entity: its summary and how the alert named the entity. */
export const EntityCaseSchema = CaseSummarySchema.extend({
  entity: z.object({ value: z.string(), origin: Origin }),
}).meta({ id: 'EntityCase' });

/** A case every search term matched: its summary and the fields they matched in. */
export const SearchHitSchema = CaseSummarySchema.extend({
  matched: z.array(z.enum(['title', 'note'])).min(1),
}).meta({ id: 'SearchHit' });

const Truncated = z.boolean().meta({ description: 'A term or the entity matched more index documents than one query reads (1,000 per tenant): older cases may be missing.' });

/** Paths of pivot and search (issue 15 point 5). */
export const searchPaths: ZodOpenApiPathsObject = {
  '/api/v1/entities/{type}/{value}/cases': {
    get: {
      tags: ['cases'],
      summary: "Every case of the caller's tenants that holds the entity, newest first (role viewer)",
      requestParams: { path: PivotParams, query: PivotQuery },
      responses: {
        '200': json('The cases with the entity.', z.object({ type: z.string(), value: z.string(), items: z.array(EntityCaseSchema), truncated: Truncated })),
        ...problems(...BEARER_PROBLEMS),
      },
    },
  },
  '/api/v1/search': {
    get: {
      tags: ['cases'],
      summary: "Cases of the caller's tenants whose title or notes hold every term, newest first (role viewer)",
      requestParams: { query: SearchQuery },
      responses: {
        '200': json('The matching cases.', z.object({ q: z.string(), terms: z.array(z.string()), items: z.array(SearchHitSchema), truncated: Truncated })),
        ...problems(...BEARER_PROBLEMS),
      },
    },
  },
};
