import type { EntityParams } from './entity-params.ts';
import { kqlStringLiteral, type LiteralRejection } from './kql-literal.ts';
import { splStringLiteral, type SplMatch } from './spl/literal.ts';
import type { HuntParam, HuntTemplate } from './templates.ts';

/** A rendered query, or why a parameter could not be carried. */
export type RenderResult = { ok: true; query: string } | { ok: false; param: HuntParam; rejection: LiteralRejection };

/** Whole days of lookback a hunt may ask for. */
export const MAX_LOOKBACK_DAYS = 30;

function lookbackDays(days: number): number {
  if (!Number.isInteger(days) || days < 1 || days > MAX_LOOKBACK_DAYS) {
    throw new RangeError(`lookbackDays must be a whole number from 1 to ${MAX_LOOKBACK_DAYS}, got ${days}`);
  }
  return days;
}

/** True when the entity gives every parameter the template needs. */
export function templateApplies(template: HuntTemplate, params: EntityParams): boolean {
  return template.params.every((p) => params[p] !== undefined);
}

/**
 * Fills a KQL template: one `let` per parameter, its value an escaped literal, then the fixed body. The body never
 * contains a value, so the query's structure is the template's whatever the entity holds.
 */
export function renderKql(template: HuntTemplate, params: EntityParams, days: number): RenderResult {
  const lines = [`let hunt_lookback = ${lookbackDays(days)}d;`];
  for (const param of template.params) {
    const literal = kqlStringLiteral(params[param] ?? '');
    if (!literal.ok) return { ok: false, param, rejection: literal.rejection };
    lines.push(`let ${param} = ${literal.literal};`);
  }
  return { ok: true, query: `${lines.join('\n')}\n${template.body}` };
}

const SLOT = /\{(hunt_[a-z_]+|earliest)(?::(contains|suffix))?\}/g;

/** Fills an SPL template's `{param}` slots with escaped SPL literals and `{earliest}` with `-<days>d`. */
export function renderSpl(template: HuntTemplate, params: EntityParams, days: number): RenderResult {
  const earliest = `-${lookbackDays(days)}d`;
  let failure: RenderResult | undefined;
  const query = template.body.replace(SLOT, (_slot, name: string, match: SplMatch | undefined) => {
    if (name === 'earliest') return earliest;
    const param = name as HuntParam;
    const literal = splStringLiteral(params[param] ?? '', match ?? 'exact');
    if (!literal.ok) {
      failure ??= { ok: false, param, rejection: literal.rejection };
      return '';
    }
    return literal.literal;
  });
  return failure ?? { ok: true, query };
}
