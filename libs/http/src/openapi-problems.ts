import { z } from 'zod';

// The OpenAPI side of `problem()`: the schema and responses of RFC 9457 errors as every service's document describes
// them (zod schemas with `.meta`, read by zod-openapi where a document is built; nothing here depends on it).

/** Media type of RFC 9457 problem details (libs/http `problem()` and `errorHandler` send every error as it). */
export const PROBLEM_MEDIA_TYPE = 'application/problem+json';

/** An RFC 9457 problem details object as `@soc/http` sends it; extension members are allowed. */
export const Problem = z
  .looseObject({
    type: z.string().meta({ description: 'A URI naming the problem: `urn:soc:problem:<name>`, or `about:blank`.', example: 'urn:soc:problem:unknown-alert' }),
    title: z.string(),
    status: z.number().int().min(400).max(599),
    detail: z.string().optional(),
    instance: z.string().optional().meta({ description: 'Server faults: the id the logs carry.' }),
    errors: z.array(z.object({ path: z.string(), message: z.string() })).optional().meta({ description: 'Field errors of a 400.' }),
  })
  .meta({ id: 'Problem', description: 'RFC 9457 problem details.' });

/** Seconds to wait before retrying, when the server knows. */
const RetryAfter = z.object({ 'Retry-After': z.string().regex(/^[0-9]+$/).optional().meta({ description: 'Seconds to wait before retrying.' }) });

/** What each error status means on every route that can answer it. */
const ERROR_DESCRIPTIONS: Record<number, string> = {
  400: 'The request is invalid (field errors in `errors`).',
  401: 'No valid credential.',
  403: 'The principal lacks the route\'s role (`urn:soc:problem:missing-role`), or the rule refuses it.',
  404: 'Unknown resource.',
  409: 'Conflicts with the current state.',
  410: 'Expired.',
  413: 'The body is too large.',
  415: 'Unsupported content type.',
  422: 'Needs a confirmation, or names what cannot be (an unknown assignee).',
  429: 'Too many requests; retry later.',
  500: 'Server fault (its `instance` is in the logs).',
  501: 'Not implemented.',
  503: 'Temporarily unavailable; retry later (`Retry-After` when known).',
};

/** Problem details responses for the given statuses (every route also answers 401 and 500, added by {@link problems}). */
export function problems(...statuses: number[]) {
  const all = [...new Set([401, 500, ...statuses])].sort((a, b) => a - b);
  return Object.fromEntries(
    all.map((status) => [
      String(status),
      {
        description: ERROR_DESCRIPTIONS[status] ?? 'Error.',
        ...(status === 429 || status === 503 ? { headers: RetryAfter } : {}),
        content: { [PROBLEM_MEDIA_TYPE]: { schema: Problem } },
      },
    ]),
  );
}

/** A JSON response of `schema`. */
export function json(description: string, schema: z.ZodType) {
  return { description, content: { 'application/json': { schema } } };
}

/**
 * Every bearer route answers these besides its own: no token (401), no role (403), a body or query the schema refuses
 * (400), and a credential that cannot be checked right now (503 with Retry-After: Entra ID's key set unreachable).
 */
export const BEARER_PROBLEMS = [400, 401, 403, 500, 503] as const;
