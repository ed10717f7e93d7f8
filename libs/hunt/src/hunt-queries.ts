import { z } from 'zod';
import type { Alert, Entity } from '@soc/contracts';
import { AppError, ErrorCode } from '@soc/runtime';
import { paramsForEntity } from './entity-params.ts';
import type { KqlGuardLike, KqlVerdictLike } from './kql-guard.ts';
import type { LiteralRejection } from './kql-literal.ts';
import { MAX_LOOKBACK_DAYS, renderKql, renderSpl, templateApplies } from './render.ts';
import { checkSpl, defaultSplPolicy, type SplPolicy, type SplVerdict } from './spl/guard.ts';
import { SPL_TEMPLATES } from './spl/templates.ts';
import { KQL_TEMPLATES, type HuntTemplate } from './templates.ts';

/** A guard-approved hunt query for one entity of an alert. */
export type HuntQuery =
  | { templateId: string; title: string; purpose: string; language: 'kql'; entityId: string; query: string; tables: string[]; attack: string[]; verdict: KqlVerdictLike }
  | { templateId: string; title: string; purpose: string; language: 'spl'; entityId: string; query: string; tables: string[]; attack: string[]; verdict: SplVerdict };

/** A hunt that was not produced, and why: its value could not be a literal, the guard denied it, or the cap was reached. */
export interface DroppedHunt {
  templateId: string;
  entityId: string;
  reason: 'literal-rejected' | 'guard-denied' | 'over-cap';
  message: string;
  rejection?: LiteralRejection;
  guardReasons?: { code: string; message: string }[];
}

export interface HuntQueries {
  queries: HuntQuery[];
  dropped: DroppedHunt[];
}

const HuntQueriesOptionsSchema = z.strictObject({
  lookbackDays: z.number().int().min(1).max(MAX_LOOKBACK_DAYS).default(7),
  maxQueries: z.number().int().min(1).max(200).default(40),
  maxPerEntity: z.number().int().min(1).max(50).default(8),
});

/** Options of {@link huntQueriesFor}. */
export interface HuntQueriesOptions {
  /** Time window of every template (default 7 days, at most 30). */
  lookbackDays?: number;
  /** Most queries per alert (default 40); the rest are reported as `over-cap`. */
  maxQueries?: number;
  /** Most queries per entity (default 8), so one entity cannot crowd out the others. */
  maxPerEntity?: number;
  /** The SPL policy for Splunk-sourced alerts (default: {@link defaultSplPolicy}). */
  splPolicy?: SplPolicy;
  /** Template catalogues (default: the vetted KQL and SPL templates). */
  kqlTemplates?: readonly HuntTemplate[];
  splTemplates?: readonly HuntTemplate[];
}

const ROLE_RANK: Readonly<Record<string, number>> = { actor: 0, target: 1, related: 2 };

/** Entities the source named before ones extracted from text; actors, then targets, then the rest. Stable otherwise. */
function huntOrder(entities: readonly Entity[]): Entity[] {
  const rank = (e: Entity): number => (e.origin === 'extracted' ? 10 : 0) + (ROLE_RANK[e.role ?? ''] ?? 3);
  return entities.map((e, i) => ({ e, i })).sort((a, b) => rank(a.e) - rank(b.e) || a.i - b.i).map(({ e }) => e);
}

/**
 * The guard-approved hunt queries for an alert: every applicable vetted template for every entity, values escaped,
 * each checked by the guard (KQL) or the SPL guard (Splunk-sourced alerts also get SPL templates). Anything the
 * guard denies is dropped and reported, never returned. Bounded: `maxPerEntity` per entity, `maxQueries` in all.
 * Pure apart from the guard it is given; throws `VALIDATION_FAILED` for bad options.
 */
export function huntQueriesFor(alert: Alert, guard: KqlGuardLike, options: HuntQueriesOptions = {}): HuntQueries {
  const parsed = HuntQueriesOptionsSchema.safeParse({
    ...(options.lookbackDays !== undefined ? { lookbackDays: options.lookbackDays } : {}),
    ...(options.maxQueries !== undefined ? { maxQueries: options.maxQueries } : {}),
    ...(options.maxPerEntity !== undefined ? { maxPerEntity: options.maxPerEntity } : {}),
  });
  if (!parsed.success) {
    throw new AppError(ErrorCode.VALIDATION_FAILED, `Invalid hunt options: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`, { retryable: false });
  }
  const { lookbackDays, maxQueries, maxPerEntity } = parsed.data;
  const kqlTemplates = options.kqlTemplates ?? KQL_TEMPLATES;
  const splTemplates = alert.source.name === 'splunk' ? (options.splTemplates ?? SPL_TEMPLATES) : [];
  const splPolicy = options.splPolicy ?? defaultSplPolicy();
  const queries: HuntQuery[] = [];
  const dropped: DroppedHunt[] = [];

  for (const entity of huntOrder(alert.entities)) {
    const params = paramsForEntity(entity);
    const applicable = [...splTemplates, ...kqlTemplates].filter((t) => t.entityTypes.includes(entity.type) && templateApplies(t, params));
    let forEntity = 0;
    for (const [index, template] of applicable.entries()) {
      const base = { templateId: template.id, entityId: entity.id };
      if (forEntity >= maxPerEntity || queries.length >= maxQueries) {
        // One entry for the rest of this entity's templates keeps the report bounded by the entity count.
        const rest = applicable.slice(index).map((t) => t.id);
        dropped.push({ templateId: rest.join(','), entityId: entity.id, reason: 'over-cap', message: `${rest.length} template(s) not run: cap of ${maxPerEntity} per entity or ${maxQueries} per alert reached` });
        break;
      }
      const rendered = template.language === 'kql' ? renderKql(template, params, lookbackDays) : renderSpl(template, params, lookbackDays);
      if (!rendered.ok) {
        dropped.push({ ...base, reason: 'literal-rejected', message: `${rendered.param}: ${rendered.rejection.message}`, rejection: rendered.rejection });
        continue;
      }
      const common = { templateId: template.id, title: template.title, purpose: template.purpose, entityId: entity.id, attack: [...template.attack] };
      if (template.language === 'kql') {
        const verdict = guard.check(rendered.query);
        if (verdict.verdict !== 'allow') {
          dropped.push({ ...base, reason: 'guard-denied', message: 'The KQL guard denied the query', guardReasons: verdict.reasons.map(({ code, message }) => ({ code, message })) });
          continue;
        }
        queries.push({ ...common, language: 'kql', query: verdict.query, tables: [...verdict.tables], verdict });
      } else {
        const verdict = checkSpl(rendered.query, splPolicy);
        if (verdict.verdict !== 'allow') {
          dropped.push({ ...base, reason: 'guard-denied', message: 'The SPL guard denied the query', guardReasons: verdict.reasons.map(({ code, message }) => ({ code, message })) });
          continue;
        }
        queries.push({ ...common, language: 'spl', query: verdict.query, tables: [...template.tables], verdict });
      }
      forEntity++;
    }
  }
  return { queries, dropped };
}
