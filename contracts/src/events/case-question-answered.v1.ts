import { z } from 'zod';
import { defineEvent } from '../envelope.ts';

/** A case fact an answer cites: an entity id, an enrichment fact id or `factor:<name>` of the facts it was asked about. */
export const CaseCitation = z.object({
  id: z.string().min(1).max(2100),
  kind: z.enum(['entity', 'fact', 'factor']),
  /** How the case page names it (our words and the case's values, never the model's). */
  label: z.string().max(512),
});
export type CaseCitation = z.infer<typeof CaseCitation>;

/** A guard-approved hunt query an answer offers, as it would run (`POST /api/v1/hunt/queries`). */
export const CaseAnswerHunt = z.object({
  /** The vetted template it was filled from; absent for a query the model wrote (it passed the guard and grounding). */
  templateId: z.string().max(128).optional(),
  title: z.string().max(512),
  entityId: z.string().max(2100).optional(),
  language: z.enum(['kql', 'spl']),
  query: z.string().min(1).max(8000),
  /** The tables it reads (the guard's grounding). */
  tables: z.array(z.string().max(256)).max(32),
});
export type CaseAnswerHunt = z.infer<typeof CaseAnswerHunt>;

/**
 * Emitted by triage for every `soc.case.question-asked.v1`: the copilot's answer (`llm`) or, without a model, the
 * case's facts summary and vetted hunt templates (`templates`, never free-form text). Citations name only facts the
 * question was asked with; anything the checks cut is listed in `removed`. Consumed by the case view.
 */
export const CaseQuestionAnsweredV1 = defineEvent(
  'soc.case.question-answered.v1',
  z.object({
    questionId: z.string().regex(/^q-[0-9a-f-]{36}$/),
    alertId: z.string().min(1).max(128),
    tenantId: z.string().min(1).max(128),
    mode: z.enum(['llm', 'templates']),
    answer: z.string().max(4000),
    citations: z.array(CaseCitation).max(50),
    hunts: z.array(CaseAnswerHunt).max(24),
    /** What the output checks cut (an invented citation, a URL, a hunt the guard denied), and why. */
    removed: z.array(z.object({ path: z.string().max(256), reason: z.string().max(64), value: z.string().max(2100) })).max(100),
    /** The model that answered (`llm` mode). */
    model: z.string().max(128).optional(),
    /** Model tokens of the answer (`llm` mode), counted apart from triage's per-verdict usage. */
    usage: z.object({ promptTokens: z.number().int().min(0), completionTokens: z.number().int().min(0), cost: z.number().min(0).optional() }).optional(),
    at: z.iso.datetime({ offset: true }),
  }),
  'Emitted by triage for every case question: the answer with the case facts it cites and guard-approved hunts. Consumed by the case view.',
);
