import { type CaseAnswerHunt, type CaseCitation, type CaseFacts, CaseQuestionAnsweredV1, type EventByType, causedBy, clipText } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import type { HuntQueries, HuntQuery, HuntThreadOptions } from '@soc/hunt';
import type { Clock } from '@soc/runtime';

/** A question about a case, as triage receives it. */
export type CaseQuestion = EventByType<'soc.case.question-asked.v1'>;
/** The answer triage publishes. */
export type CaseAnswer = EventByType<'soc.case.question-answered.v1'>;
type AnswerData = CaseAnswer['data'];

/** The vetted hunt templates of an alert, through the guard (`HuntThread.huntQueriesFor` of `@soc/hunt`). */
export interface HuntTemplates {
  huntQueriesFor(alert: CaseFacts['alert'], options: HuntThreadOptions): Promise<HuntQueries>;
}

/** The hunt list of a case as `GET /api/v1/alerts/{alertId}/hunts` gives it by default: the chat offers the same ones. */
export const CHAT_HUNT_OPTIONS = { lookbackDays: 7, maxQueries: 24, maxPerEntity: 4 } as const satisfies HuntThreadOptions;

/** Most factors a templates answer names (strongest first). */
const MAX_FACTORS = 5;

const signed = (points: number): string => `${points >= 0 ? '+' : '−'}${Math.abs(points)}`;

/** How the case page names an entity (its type and value, clipped). */
function entityLabel(facts: CaseFacts, id: string): string | undefined {
  const entity = facts.alert.entities.find((e) => e.id === id);
  return entity === undefined ? undefined : clipText(`${entity.type} ${entity.value}`, 200);
}

/**
 * Every id a case answer may cite, with the label the case page shows for it: the alert's entities, the enrichment's
 * facts and the triage's factors (`factor:<name>`). Pure. Anything else an answer cites is not a fact of the case.
 */
export function citableFacts(facts: CaseFacts): Map<string, CaseCitation> {
  const out = new Map<string, CaseCitation>();
  for (const e of facts.alert.entities) out.set(e.id, { id: e.id, kind: 'entity', label: entityLabel(facts, e.id) ?? e.id });
  for (const f of facts.enrichment.facts) out.set(f.id, { id: f.id, kind: 'fact', label: clipText(`${f.kind} fact from ${f.source}`, 200) });
  for (const f of facts.triage.risk.factors) out.set(`factor:${f.name}`, { id: `factor:${f.name}`, kind: 'factor', label: `${f.name} (${signed(f.points)})` });
  return out;
}

/** A guard-approved template as an answer offers it. */
function offered(q: HuntQuery): CaseAnswerHunt {
  return { templateId: q.templateId, title: clipText(q.title, 512), entityId: q.entityId, language: q.language, query: q.query, tables: q.tables.slice(0, 32) };
}

/**
 * The answer without a model (`mode: 'templates'`): the case's facts summary in this code's own words (verdict, score,
 * the strongest factors and the facts they cite) and its vetted hunt queries, those about an entity the question
 * names first. Never free-form text, never the question's words. Pure.
 */
export function templatesAnswer(question: CaseQuestion, hunts: HuntQueries, at: Date): AnswerData {
  const { facts, text } = question.data;
  const { triage } = facts;
  const citable = citableFacts(facts);
  const strongest = [...triage.risk.factors].sort((a, b) => Math.abs(b.points) - Math.abs(a.points)).slice(0, MAX_FACTORS);
  const citations = new Map<string, CaseCitation>();
  const cite = (id: string): void => {
    const known = citable.get(id);
    if (known !== undefined && citations.size < 50) citations.set(id, known);
  };
  for (const f of strongest) {
    cite(`factor:${f.name}`);
    for (const id of f.factIds) cite(id);
  }
  // An entity the analyst names comes first; the question only orders the vetted list, it never adds to it.
  const asked = text.toLowerCase();
  const named = (q: HuntQuery): boolean => {
    const value = facts.alert.entities.find((e) => e.id === q.entityId)?.value.toLowerCase();
    return value !== undefined && value.length >= 3 && asked.includes(value);
  };
  const ordered = [...hunts.queries.filter(named), ...hunts.queries.filter((q) => !named(q))];
  const kept = ordered.filter((q) => q.query.length <= 8000).slice(0, 24);
  for (const q of kept) cite(q.entityId);
  const factorText = strongest.length === 0 ? 'no scoring factors' : `strongest factors ${strongest.map((f) => `${f.name} (${signed(f.points)})`).join(', ')}`;
  const answer = [
    'No language model is configured: this is not a reply to the question, but the case\'s facts and its vetted hunt queries.',
    `Verdict ${triage.verdict.class}, risk ${triage.risk.score}/100 (${triage.risk.level}); ${factorText}.`,
    kept.length === 0 ? 'No vetted hunt query applies to the case\'s entities.' : `${kept.length} guard-approved hunt ${kept.length === 1 ? 'query' : 'queries'} below (run them through the hunt API, role hunter).`,
  ].join(' ');
  return {
    questionId: question.data.questionId,
    alertId: question.data.alertId,
    tenantId: question.data.tenantId,
    mode: 'templates',
    answer: clipText(answer, 4000),
    citations: [...citations.values()],
    hunts: kept.map(offered),
    removed: [],
    at: at.toISOString(),
  };
}

/** What the case chat handler needs. */
export interface CaseChatContext {
  hunts: HuntTemplates;
  clock: Clock;
}

/** The bus handler of case chat: every question gets one answer event. */
export function makeCaseChatHandler(ctx: CaseChatContext): EventHandler {
  return dispatch('triage', {
    'soc.case.question-asked.v1': async (event) => {
      const hunts = await ctx.hunts.huntQueriesFor(event.data.facts.alert, CHAT_HUNT_OPTIONS);
      const now = ctx.clock.now();
      return { emit: [causedBy(event, CaseQuestionAnsweredV1, templatesAnswer(event, hunts, now), { source: '/soc/triage', time: now })] };
    },
  });
}
