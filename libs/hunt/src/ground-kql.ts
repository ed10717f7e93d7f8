import type { KqlGuardLike, KqlVerdictLike } from './kql-guard.ts';

/** A KQL candidate after the guard and schema grounding; only `accepted` ones may reach a case or Log Analytics. */
export interface GroundedKql {
  accepted: boolean;
  /** Why it was not accepted, in words an analyst can act on (empty when accepted). */
  problems: string[];
  verdict: KqlVerdictLike;
  /** Columns the table schemas do not know (`table.column`), e.g. a column the LLM made up. */
  unknownColumns: KqlVerdictLike['unknownColumns'];
  /** Tables the query reads that the schema set does not know (only when `knownTables` is given). */
  unknownTables: string[];
  /** The query as it will run (the guard's, with its row cap). */
  query: string;
}

/** Options of {@link groundKqlCandidate}. */
export interface GroundKqlOptions {
  /** The tables the workspace is known to have; tables outside it are reported and refuse the candidate. */
  knownTables?: ReadonlySet<string>;
  /** Accept a candidate with unknown columns (default false: a made-up column returns nothing and misleads). */
  allowUnknownColumns?: boolean;
}

/**
 * Grounds a KQL text from any source (an LLM's hunt suggestion, an analyst's paste) before it goes anywhere: the
 * guard's verdict, the columns and tables the schemas do not know, and one `accepted` flag that is true only
 * when the guard allows it and it is fully grounded. Never throws.
 */
export function groundKqlCandidate(candidate: string, guard: KqlGuardLike, options: GroundKqlOptions = {}): GroundedKql {
  return groundKqlVerdict(candidate, guard.check(typeof candidate === 'string' ? candidate : ''), options);
}

/** {@link groundKqlCandidate} for a verdict the guard already gave on `candidate` (e.g. on a worker thread). */
export function groundKqlVerdict(candidate: string, verdict: KqlVerdictLike, options: GroundKqlOptions = {}): GroundedKql {
  const unknownTables = options.knownTables ? [...new Set(verdict.tables.filter((t) => !options.knownTables?.has(t)))] : [];
  const problems: string[] = [];
  if (typeof candidate !== 'string' || candidate.trim() === '') problems.push('The candidate is empty; write a KQL query');
  for (const reason of verdict.reasons) problems.push(`${reason.code}: ${reason.message} (at ${reason.start}–${reason.end})`);
  if (verdict.verdict !== 'allow' && verdict.reasons.length === 0) problems.push('The guard denied the query');
  if (!options.allowUnknownColumns) {
    for (const c of verdict.unknownColumns) problems.push(`unknown-column: ${c.table}.${c.column} is not in the table schema (at ${c.start}–${c.end})`);
  }
  for (const t of unknownTables) problems.push(`unknown-table: ${t} is not a known table of the workspace`);
  return { accepted: problems.length === 0, problems, verdict, unknownColumns: verdict.unknownColumns, unknownTables, query: verdict.query };
}
