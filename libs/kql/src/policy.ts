import { readFileSync } from 'node:fs';
import { AppError, ErrorCode } from '@soc/runtime';
import { z } from 'zod';

/**
 * `evaluate` plugins that reach outside the workspace or run code: denied whatever a policy says, so a policy
 * file cannot re-enable data exfiltration or code execution by accident.
 */
export const ALWAYS_DENIED_PLUGINS: readonly string[] = [
  'http_request',
  'http_request_post',
  'python',
  'r',
  'sql_request',
  'cosmosdb_sql_request',
  'mysql_request',
  'postgresql_request',
  'azure_digital_twins_query_request',
  'mongodb_request',
  'infer_storage_schema',
  'infer_storage_schema_with_suffix',
  'ai_chat_completion',
  'ai_chat_completion_prompt',
  'ai_embeddings',
  'ai_embed_text',
];

/**
 * Read-only analytics plugins. The first five are the ones Microsoft's Sentinel content uses (bag_unpack 15,
 * pivot 11, ipv4_lookup 3, basket 2, sequence_detect 2 of the 1,135 fixture queries); the rest are their
 * siblings from the same documentation family that only reshape or aggregate rows already in the query.
 */
export const DEFAULT_ALLOWED_PLUGINS: readonly string[] = [
  'bag_unpack',
  'pivot',
  'ipv4_lookup',
  'ipv6_lookup',
  'basket',
  'sequence_detect',
  'autocluster',
  'diffpatterns',
  'diffpatterns_text',
  'narrow',
  'preview',
  'dcount_intersect',
  'funnel_sequence',
  'funnel_sequence_completion',
  'session_count',
  'sliding_window_counts',
  'active_users_count',
  'activity_counts_metrics',
  'activity_engagement',
  'activity_metrics',
  'new_activity_metrics',
  'rolling_percentile',
  'schema_merge',
  'percentiles_array',
];

/** Functions that read another workspace, app, resource or cluster. */
export const CROSS_SCOPE_FUNCTIONS: readonly string[] = ['workspace', 'app', 'resource', 'cluster', 'database', 'adx'];

const ISO_DURATION = /^P(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+)S)?)?$/;

/** Milliseconds of an ISO 8601 day-time duration (`P30D`, `PT12H`, `P1DT6H`), or undefined if it is not one. */
export function durationMs(iso: string): number | undefined {
  const m = ISO_DURATION.exec(iso);
  if (m === null || iso === 'P' || iso.endsWith('T')) return undefined;
  const [d, h, min, s] = [m[1], m[2], m[3], m[4]].map((v) => Number(v ?? 0)) as [number, number, number, number];
  return ((d * 24 + h) * 60 + min) * 60_000 + s * 1000;
}

/**
 * What a query may do. `tables`: `"known"` (every Log Analytics, Sentinel and Defender XDR table and workspace
 * function the guard ships schemas for), `"*"` (any table; every other rule still applies), or a list of names.
 */
export const KqlPolicy = z
  .object({
    tables: z.union([z.literal('known'), z.literal('*'), z.array(z.string().min(1)).min(1)]).default('known'),
    allowedPlugins: z.array(z.string().min(1)).default([...DEFAULT_ALLOWED_PLUGINS]),
    allowedCrossScope: z
      .array(z.enum(CROSS_SCOPE_FUNCTIONS as [string, ...string[]]))
      .default([])
      .describe('cross-scope functions the policy allows (none by default)'),
    maxLookback: z
      .string()
      .refine((v) => (durationMs(v) ?? 0) > 0, 'must be an ISO 8601 day-time duration such as P30D or PT12H')
      .default('P30D'),
    rowCap: z.number().int().min(1).max(500_000).default(10_000),
    maxQueryLength: z.number().int().min(1).max(1_000_000).default(20_000),
    maxNestingDepth: z.number().int().min(1).max(200).default(64),
    maxJoinLegs: z.number().int().min(0).default(10),
    maxUnionLegs: z.number().int().min(1).default(20),
  })
  .strict();
export type KqlPolicy = z.infer<typeof KqlPolicy>;

/** The default policy: known tables, the default plugin allow-list, 30 days, 10,000 rows. */
export const defaultKqlPolicy: KqlPolicy = KqlPolicy.parse({});

/**
 * Reads a policy JSON file; absent fields take their defaults. A bad file is a CONFIGURATION_INVALID error that
 * names the file and every bad field.
 */
export function loadKqlPolicy(file: string): KqlPolicy {
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code ?? (error instanceof Error ? error.message : String(error));
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, `KQL policy ${file} cannot be read as JSON: ${reason}`, { retryable: false, cause: error });
  }
  const parsed = KqlPolicy.safeParse(json);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`);
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, `KQL policy ${file} is invalid:\n${problems.map((p) => `  - ${p}`).join('\n')}`, {
      retryable: false,
      details: { problems },
    });
  }
  return parsed.data;
}
