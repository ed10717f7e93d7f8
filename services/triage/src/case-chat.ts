import { type CaseAnswerHunt, type CaseCitation, type CaseFacts, CaseQuestionAnsweredV1, type EventByType, causedBy, clipText } from '@soc/contracts';
import { dispatch, type EventHandler } from '@soc/bus';
import type { HuntQueries, HuntQuery, HuntThreadOptions } from '@soc/hunt';
import { type Clock, breakerFailFastOf } from '@soc/runtime';
import type { StateStore } from '@soc/state';
import { type Copilot, DEFAULT_CALL_RESERVATION, type HuntQueryGrounder, failedCallUsage, madeNoCall, reserveTokens, settleTokens } from './copilot-step.ts';
import { type ChatAdvice, copilotFailureOf } from './llm/index.ts';

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
export function templatesAnswer(question: CaseQuestion, hunts: HuntQueries, at: Date, why?: string): AnswerData {
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
    why === undefined
      ? 'No language model is configured: this is not a reply to the question, but the case\'s facts and its vetted hunt queries.'
      : `The copilot could not answer (${why}): this is not a reply to the question, but the case's facts and its vetted hunt queries.`,
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

/** The model side of case chat: the triage copilot's `ask`, its hourly token budget and the hunt grounder. */
export interface CaseChatModel {
  copilot: Pick<Copilot, 'model' | 'ask' | 'estimateChatTokens'>;
  state: StateStore;
  /** `LLM_TOKENS_PER_HOUR`: one budget for triage's advice and the analysts' questions. */
  tokensPerHour: number;
  /** The KQL guard grounded in the table schemas; without it a hunt the model writes is cut, never kept unchecked. */
  groundHuntQuery?: HuntQueryGrounder | undefined;
}

/**
 * How a question was answered: `answered` (the model), `templates` (no model configured), `skipped` (the hourly
 * token budget had no room), `failed` (the call failed), `breaker-open` (failed fast, no call).
 */
export type ChatOutcome = (typeof CHAT_OUTCOMES)[number];
/** Every {@link ChatOutcome}, e.g. to initialise a metric's series. */
export const CHAT_OUTCOMES = ['answered', 'templates', 'skipped', 'failed', 'breaker-open'] as const;

/** What the case chat handler needs; without `model` every question gets the templates answer. */
export interface CaseChatContext {
  hunts: HuntTemplates;
  clock: Clock;
  model?: CaseChatModel | undefined;
  /** Called once per question with its outcome, e.g. to count `soc_llm_chat_answers_total{outcome}`. */
  onOutcome?: ((outcome: ChatOutcome) => void) | undefined;
}

type Asked = { ok: true; advice: ChatAdvice } | { ok: false; why: string; outcome: ChatOutcome };

/** One model call within the hourly budget: reserved before, charged after (a failed call too, as in triage). */
async function askModel(question: CaseQuestion, m: CaseChatModel, now: Date): Promise<Asked> {
  const { facts, text } = question.data;
  const ask = m.copilot.ask;
  if (ask === undefined) return { ok: false, why: 'this copilot does not answer questions', outcome: 'failed' };
  let reservation = DEFAULT_CALL_RESERVATION;
  try {
    const estimate = m.copilot.estimateChatTokens?.(facts, text);
    if (estimate !== undefined && Number.isFinite(estimate) && estimate > 0) reservation = Math.ceil(estimate);
  } catch {
    // The call fails the same way before it is sent, and the reservation is then released.
  }
  const hour = now.toISOString().slice(0, 13);
  if (!(await reserveTokens(m.state, hour, reservation, m.tokensPerHour))) return { ok: false, why: `the hourly LLM token budget (${m.tokensPerHour}) has no room for it`, outcome: 'skipped' };
  try {
    const advice = await ask(facts, text);
    await settleTokens(m.state, hour, reservation, advice.usage.totalTokens);
    return { ok: true, advice };
  } catch (error) {
    await settleTokens(m.state, hour, reservation, failedCallUsage(error)?.totalTokens ?? (madeNoCall(error) ? 0 : reservation));
    const failure = copilotFailureOf(error) ?? copilotFailureOf((error as { cause?: unknown }).cause);
    const fast = breakerFailFastOf(error) === 'open';
    return { ok: false, why: fast ? 'the model is failing; its circuit breaker is open' : `model call ${failure ?? 'failed'}`, outcome: fast ? 'breaker-open' : 'failed' };
  }
}

/**
 * The model's answer as the case shows it: citations labelled from the facts (one the facts do not hold is cut and
 * listed), the hunt the model wrote only when the guard accepted it, grounded in the table schemas, as it would run.
 */
async function llmAnswer(question: CaseQuestion, advice: ChatAdvice, m: CaseChatModel, at: Date): Promise<AnswerData> {
  const citable = citableFacts(question.data.facts);
  const removed: AnswerData['removed'] = advice.removed.map((r) => ({ path: r.path.slice(0, 256), reason: r.reason, value: r.value.slice(0, 2100) }));
  const citations: CaseCitation[] = [];
  for (const [i, id] of advice.output.citations.entries()) {
    const known = citable.get(id);
    if (known !== undefined) citations.push(known);
    else removed.push({ path: `citations[${i}]`, reason: 'unknown-citation', value: id.slice(0, 2100) });
  }
  const hunts: CaseAnswerHunt[] = [];
  const kql = advice.output.huntQuery;
  if (kql !== null && kql !== undefined && kql.trim() !== '') {
    let why: string | undefined;
    try {
      const grounded = await m.groundHuntQuery?.(kql);
      if (grounded === undefined) why = 'no KQL guard configured';
      else if (!grounded.accepted) why = grounded.problems.join('; ');
      else if (grounded.query.length > 8000) why = 'longer than 8000 characters with the row cap';
      else hunts.push({ title: 'Hunt written by the copilot (passed the KQL guard and schema grounding)', language: 'kql', query: grounded.query, tables: [...(grounded.tables ?? [])].slice(0, 32) });
    } catch (error) {
      why = `the KQL guard could not check it (${error instanceof Error ? clipText(error.message, 300) : 'unknown error'})`;
    }
    if (why !== undefined) removed.push({ path: 'huntQuery', reason: 'hunt-query-denied', value: `${why.slice(0, 1000)} :: ${kql}`.slice(0, 2100) });
  }
  const { usage } = advice;
  return {
    questionId: question.data.questionId,
    alertId: question.data.alertId,
    tenantId: question.data.tenantId,
    mode: 'llm',
    answer: clipText(advice.output.answer, 4000),
    citations: citations.slice(0, 50),
    hunts,
    removed: removed.slice(0, 100),
    model: usage.model.slice(0, 128),
    usage: { promptTokens: usage.promptTokens, completionTokens: usage.completionTokens, ...(usage.cost === undefined ? {} : { cost: usage.cost }) },
    at: at.toISOString(),
  };
}

/**
 * The bus handler of case chat: every question gets one answer event — the copilot's when a model is configured and
 * answers within the budget, else the templates answer (saying why the copilot did not answer).
 */
export function makeCaseChatHandler(ctx: CaseChatContext): EventHandler {
  return dispatch('triage', {
    'soc.case.question-asked.v1': async (event) => {
      const now = ctx.clock.now();
      const asked = ctx.model === undefined ? undefined : await askModel(event, ctx.model, now);
      let data: AnswerData;
      if (asked?.ok === true && ctx.model !== undefined) data = await llmAnswer(event, asked.advice, ctx.model, now);
      else data = templatesAnswer(event, await ctx.hunts.huntQueriesFor(event.data.facts.alert, CHAT_HUNT_OPTIONS), now, asked?.ok === false ? asked.why : undefined);
      ctx.onOutcome?.(asked === undefined ? 'templates' : asked.ok ? 'answered' : asked.outcome);
      return { emit: [causedBy(event, CaseQuestionAnsweredV1, data, { source: '/soc/triage', time: now })] };
    },
  });
}
