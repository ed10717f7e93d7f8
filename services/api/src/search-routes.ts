import express, { type Router } from 'express';
import { z } from 'zod';
import { EntityType } from '@soc/contracts';
import { problem, problemType, requireRole } from '@soc/http';
import type { CaseIndex, SearchField } from './case-index.ts';
import type { CaseStore, CaseSummary } from './ports.ts';
import { MAX_QUERY_LENGTH, MAX_QUERY_TERMS, queryTerms } from './search-text.ts';
import { tenantScope } from './tenancy.ts';

/** What the pivot and search routes need. */
export interface SearchRoutesDeps {
  index: CaseIndex;
  /** The case summaries the hits are shown as (and checked against: a hit whose case the caller may not see is dropped). */
  cases: CaseStore;
  /** The deployment's tenant (SOC_TENANT_ID): the tenant of a record that names none. */
  tenantId: string;
}

/** Longest entity value a pivot accepts in its path. */
export const MAX_PIVOT_VALUE_LENGTH = 2048;

const queryNumber = (n: z.ZodNumber) => z.preprocess((v) => (v === '' ? undefined : v), z.coerce.number().pipe(n).optional());

export const PivotParams = z.object({
  type: EntityType.meta({ description: 'The entity type (`ip`, `host`, `user`, `hash`, `domain`, `url`, …).' }),
  value: z
    .string()
    .min(1)
    .max(MAX_PIVOT_VALUE_LENGTH)
    .meta({ description: 'The entity value, percent-encoded (`/` as `%2F`); compared in canonical form (IPv6 compressed, `::ffff:` mapped IPv4 as IPv4, lower-case hosts, domains, users, mailboxes and hashes).' }),
});

// Strict: a misspelt parameter is a 400 naming it, not a listing that ignored it.
export const PivotQuery = z.object({ limit: queryNumber(z.number().int().min(1).max(100)) }).strict();

export const SearchQuery = z
  .object({
    q: z
      .string()
      .max(MAX_QUERY_LENGTH)
      .refine((q) => queryTerms(q).length > 0, { message: 'the query has no searchable term (letters or digits, at least 2 in a row)' })
      .refine((q) => queryTerms(q).length <= MAX_QUERY_TERMS, { message: `at most ${MAX_QUERY_TERMS} terms` })
      .meta({ description: `Words, IPs, domains, UPNs, hashes … (at most ${MAX_QUERY_LENGTH} characters, ${MAX_QUERY_TERMS} terms); every term must match (AND), case- and width-insensitive.` }),
    limit: queryNumber(z.number().int().min(1).max(100)),
  })
  .strict();

/** The page size when `limit` is not given. */
const DEFAULT_LIMIT = 50;

/** Summaries of the hits the caller may see, newest receipt first; a hit without a summary (expired, or not projected yet) is left out. */
async function summariesOf<T extends { alertId: string }>(cases: CaseStore, hits: readonly T[], sees: (tenant: string | undefined) => boolean): Promise<(CaseSummary & T)[]> {
  const found = await Promise.all(hits.map(async (hit) => ({ hit, summary: await cases.summary(hit.alertId) })));
  return found
    .filter((f): f is { hit: T; summary: CaseSummary } => f.summary !== undefined && sees(f.summary.tenantId))
    .map((f) => ({ ...f.summary, ...f.hit }))
    .sort((a, b) => (a.receivedAt < b.receivedAt ? 1 : a.receivedAt > b.receivedAt ? -1 : 0));
}

/**
 * Pivot and search within the caller's tenants (issue 15 point 5): `GET /api/v1/entities/{type}/{value}/cases` (every
 * case that holds an entity) and `GET /api/v1/search?q=` (cases whose title or notes hold every term). Role viewer.
 */
export function searchRoutes(deps: SearchRoutesDeps): Router {
  const router = express.Router();
  const viewer = requireRole('viewer');

  router.get('/api/v1/entities/:type/:value/cases', viewer, async (req, res) => {
    const params = PivotParams.safeParse(req.params);
    if (!params.success) {
      problem(res, 400, {
        type: problemType('invalid-request'),
        title: 'Invalid request',
        detail: 'The entity type must be one of the contract\'s and the value 1–2048 characters.',
        errors: params.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
      return;
    }
    const query = PivotQuery.parse(req.query);
    const limit = query.limit ?? DEFAULT_LIMIT;
    const scope = tenantScope(res, deps.tenantId);
    const found = await deps.index.casesWithEntity({ ...params.data, tenants: scope.grant, limit });
    const items = await summariesOf(deps.cases, found.items.map(({ alertId, value, origin }) => ({ alertId, entity: { value, origin } })), scope.sees);
    res.json({ type: params.data.type, value: params.data.value, items, truncated: found.truncated });
  });

  router.get('/api/v1/search', viewer, async (req, res) => {
    const query = SearchQuery.safeParse(req.query);
    if (!query.success) {
      const tooLong = query.error.issues.some((i) => i.code === 'too_big' && i.path[0] === 'q');
      problem(res, 400, {
        type: problemType(tooLong ? 'query-too-long' : 'invalid-query'),
        title: tooLong ? 'Query too long' : 'Invalid search query',
        detail: tooLong ? `A search query is at most ${MAX_QUERY_LENGTH} characters.` : 'Give q: words, IPs, domains, UPNs or hashes (every term must match).',
        errors: query.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      });
      return;
    }
    const terms = queryTerms(query.data.q);
    const limit = query.data.limit ?? DEFAULT_LIMIT;
    const scope = tenantScope(res, deps.tenantId);
    const found = await deps.index.search({ terms, tenants: scope.grant, limit });
    const items = await summariesOf(deps.cases, found.items.map(({ alertId, matched }) => ({ alertId, matched: matched as SearchField[] })), scope.sees);
    res.json({ q: query.data.q, terms, items, truncated: found.truncated });
  });

  return router;
}
