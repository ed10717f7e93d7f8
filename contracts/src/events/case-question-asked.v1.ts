import { z } from 'zod';
import { Alert } from '../alert.ts';
import { defineEvent } from '../envelope.ts';
import { Enrichment, Triage } from '../triage.ts';

/** Longest question an analyst may ask about a case (characters). */
export const MAX_QUESTION_LENGTH = 2000;

/**
 * The facts a case question is asked about: the case's current alert, its enrichment and its triage, as the case view
 * holds them when the question is asked (the answer cites these and nothing else). Never another case's, never
 * another tenant's: the analyst API copies them from the one case the principal may see.
 */
export const CaseFacts = z.object({ alert: Alert, enrichment: Enrichment, triage: Triage });
export type CaseFacts = z.infer<typeof CaseFacts>;

/**
 * Emitted by the analyst API when an analyst asks the copilot about a case. Consumed by triage (the one owner of the
 * LLM, its budget, fences and output checks, and the hunt grounder), which answers with
 * `soc.case.question-answered.v1`, and by the case view.
 */
export const CaseQuestionAskedV1 = defineEvent(
  'soc.case.question-asked.v1',
  z.object({
    questionId: z.string().regex(/^q-[0-9a-f-]{36}$/),
    alertId: z.string().min(1).max(128),
    tenantId: z.string().min(1).max(128),
    /** The analyst's words. Attacker-influenced (alert text may be pasted into it): fenced like alert text, never obeyed. */
    text: z.string().trim().min(1).max(MAX_QUESTION_LENGTH),
    /** The authenticated principal who asked, never a credential. */
    askedBy: z.string().min(1).max(256),
    at: z.iso.datetime({ offset: true }),
    facts: CaseFacts,
  }),
  'Emitted by the analyst API when an analyst asks the copilot about a case (with the case facts it is asked about). Consumed by triage, which answers, and the case view.',
);
