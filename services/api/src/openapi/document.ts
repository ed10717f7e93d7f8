import { z } from 'zod';
import { type ZodOpenApiPathsObject, createDocument } from 'zod-openapi';
import { casePaths } from './cases.ts';
import { caseworkPaths } from './casework.ts';
import { containmentPaths } from './containment.ts';
import { deadLetterPaths } from './dead-letters.ts';
import { huntTuningPaths } from './hunt-tuning.ts';
import { integrationPaths } from './integrations.ts';
import { kpiPaths } from './kpis.ts';
import { livePaths } from './live.ts';
import { BEARER_PROBLEMS, json, problems } from './problem.ts';
import { searchPaths } from './search.ts';
import { questionPaths } from './questions.ts';

/** The OpenAPI document as served: plain JSON. */
export type OpenApiDocument = ReturnType<typeof createDocument>;

const documentPaths: ZodOpenApiPathsObject = {
  '/api/v1/openapi.json': {
    get: {
      tags: ['meta'],
      summary: 'This document (role viewer)',
      responses: { '200': json('The OpenAPI 3.1 document.', z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) })), ...problems(...BEARER_PROBLEMS) },
    },
  },
};

/**
 * The OpenAPI 3.1 document of the analyst API (every `/api/v1` route of this service), generated from the routes'
 * own zod request schemas and the response schemas beside it. Pure; built once at start.
 */
export function buildOpenApiDocument(version = '0.1.0'): OpenApiDocument {
  const paths: ZodOpenApiPathsObject = { ...casePaths, ...caseworkPaths, ...containmentPaths, ...huntTuningPaths, ...integrationPaths, ...kpiPaths, ...searchPaths, ...deadLetterPaths, ...livePaths, ...questionPaths, ...documentPaths };
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'SOC Copilot analyst API',
      version,
      description:
        'Cases, dispositions, containment decisions, hunting and triage tuning. Every route needs an API token whose principal holds the route\'s role (SOC_API_ROLES); errors are RFC 9457 problem details.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    security: [{ bearer: [] }, { consoleSession: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An API token of SOC_API_TOKENS, or an Entra ID access token for the API when SOC_API_ENTRA_TENANT_ID is set (Authorization: Bearer …).' },
        consoleSession: { type: 'apiKey', in: 'cookie', name: 'soc_session', description: 'The web console\'s session cookie (__Host-soc_session over https), from POST /auth/session or Entra ID sign-in; unsafe methods also need its X-CSRF-Token header.' },
        slackSignature: { type: 'apiKey', in: 'header', name: 'X-Slack-Signature', description: 'Slack\'s request signature (v0 HMAC-SHA256 with X-Slack-Request-Timestamp).' },
        botFrameworkJwt: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'The Bot Connector\'s RS256 JWT.' },
      },
    },
    tags: [{ name: 'cases' }, { name: 'containment' }, { name: 'hunt' }, { name: 'tuning' }, { name: 'integrations' }, { name: 'kpis' }, { name: 'admin' }, { name: 'meta' }],
    paths,
  });
}
