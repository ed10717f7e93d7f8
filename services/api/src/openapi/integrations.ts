import { z } from 'zod';
import type { ZodOpenApiPathsObject } from 'zod-openapi';
import { json, problems } from './problem.ts';

/** Slack's ephemeral acknowledgement of an Approve / Deny click. */
const SlackAck = z.object({ response_type: z.literal('ephemeral'), replace_original: z.literal(false), text: z.string() });

/** A Bot Framework invoke response: the updated card, or a message saying why nothing was done. */
const TeamsInvokeResponse = z.union([
  z.object({ statusCode: z.literal(200), type: z.literal('application/vnd.microsoft.card.adaptive'), value: z.looseObject({}) }),
  z.object({ statusCode: z.literal(200), type: z.literal('application/vnd.microsoft.activity.message'), value: z.string() }),
]);

/**
 * The signed integration endpoints: they authenticate by Slack's request signature or the Bot Connector's JWT, not
 * an API token (security `slackSignature` / `botFrameworkJwt`).
 */
export const integrationPaths: ZodOpenApiPathsObject = {
  '/api/v1/integrations/slack/interactions': {
    post: {
      tags: ['integrations'],
      summary: 'Slack\'s Approve / Deny callbacks (Slack request signature)',
      security: [{ slackSignature: [] }],
      requestBody: { content: { 'application/x-www-form-urlencoded': { schema: z.object({ payload: z.string().meta({ description: 'Slack\'s `block_actions` payload (JSON).' }) }) } } },
      responses: { '200': json('Always, for a signed request: what happened.', SlackAck), ...problems(400, 413, 415, 503) },
    },
  },
  '/api/v1/integrations/teams/messages': {
    post: {
      tags: ['integrations'],
      summary: 'The Teams bot\'s messaging endpoint (Bot Connector JWT)',
      security: [{ botFrameworkJwt: [] }],
      requestBody: { content: { 'application/json': { schema: z.looseObject({ type: z.string(), channelId: z.string(), serviceUrl: z.string() }) } } },
      responses: {
        '200': json('An invoke response to a card action; other activities are acknowledged with an empty body.', TeamsInvokeResponse),
        ...problems(400, 413, 415, 501, 503),
      },
    },
  },
};
