import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { CaseAnswerHunt, CaseCitation } from '@soc/contracts';
import { QuestionBody } from '../question-routes.ts';
import { BEARER_PROBLEMS, json, problems } from './problem.ts';

/** A question about a case and the copilot's answer (`CaseQuestion` of case-view.ts), as the case lists them. */
export const CaseQuestionSchema = z
  .looseObject({
    questionId: z.string(),
    text: z.string(),
    askedBy: z.string(),
    at: z.string(),
    answer: z
      .looseObject({
        mode: z.enum(['llm', 'templates']),
        answer: z.string(),
        citations: z.array(CaseCitation),
        hunts: z.array(CaseAnswerHunt),
        removed: z.array(z.looseObject({ path: z.string(), reason: z.string(), value: z.string() })),
        model: z.string().optional(),
        at: z.string(),
      })
      .nullable()
      .meta({ description: 'Null until triage has answered (poll the case).' }),
  })
  .meta({ id: 'CaseQuestion' });

export const QuestionAcceptedSchema = z
  .object({ alertId: z.string(), questionId: z.string(), text: z.string(), askedBy: z.string(), at: z.string() })
  .meta({ id: 'QuestionAccepted' });

const AlertIdParams = z.object({ alertId: z.string().meta({ description: 'The alert id (from ingestion\'s 202).' }) });

/** Paths of case chat. */
export const questionPaths: ZodOpenApiPathsObject = {
  '/api/v1/alerts/{alertId}/questions': {
    post: {
      tags: ['cases'],
      summary: 'Ask the copilot about the case (role analyst); the answer joins the case\'s `questions`',
      requestParams: { path: AlertIdParams },
      requestBody: { content: { 'application/json': { schema: QuestionBody } } },
      responses: {
        '202': json('Asked: triage answers on the bus, and the case shows the answer.', QuestionAcceptedSchema),
        ...problems(...BEARER_PROBLEMS, 404, 413, 415, 429, 503),
      },
    },
  },
};
