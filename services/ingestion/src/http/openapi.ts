import express, { type Router } from 'express';
import { z } from 'zod';
import { type ZodOpenApiPathsObject, createDocument } from 'zod-openapi';
import { SourceName } from '@soc/contracts';
import { BEARER_PROBLEMS, json, problems, requireRole } from '@soc/http';
import { QuarantineListQuery } from './quarantine-routes.ts';

/** The OpenAPI document as served: plain JSON. */
export type IngestionOpenApiDocument = ReturnType<typeof createDocument>;

const Receipt = z
  .object({
    alertId: z.string().meta({ description: 'The alert\'s id in SOC Copilot: `GET /api/v1/alerts/{alertId}` shows its case.' }),
    correlationId: z.string(),
    revision: z.string().meta({ description: 'The revision key of the content: the same again is a re-send, another one a change of the alert.' }),
  })
  .meta({ id: 'AlertReceipt' });

const FieldErrorSchema = z.object({ index: z.number().int().optional(), path: z.string(), message: z.string() });

const QuarantineSummary = z
  .object({
    id: z.string(),
    source: z.string(),
    sender: z.string(),
    tenantId: z.string().optional(),
    receivedVia: z.string(),
    receivedAt: z.string(),
    reason: z.string(),
    bytes: z.number().int(),
    status: z.enum(['quarantined', 'replayed']),
    replayedAt: z.string().optional(),
  })
  .meta({ id: 'QuarantineSummary' });

const QuarantineEntry = QuarantineSummary.extend({
  senderName: z.string().optional(),
  errors: z.array(FieldErrorSchema),
  payloadKey: z.string(),
  alertIds: z.array(z.string()).optional(),
  lastReplayErrors: z.array(FieldErrorSchema).optional(),
  body: z.string().nullable().meta({ description: 'The stored body as sent (attacker-written text), cut at 64 KiB; null when it has expired.' }),
  bodyTruncated: z.boolean(),
  mediaType: z.string().nullable(),
}).meta({ id: 'QuarantineEntry' });

const ReplayOutcome = z
  .object({
    id: z.string(),
    outcome: z.enum(['replayed', 'still-refused']),
    status: z.enum(['quarantined', 'replayed']),
    alertIds: z.array(z.string()).optional(),
    errors: z.array(FieldErrorSchema).optional(),
  })
  .meta({ id: 'QuarantineReplayOutcome' });

const id = z.object({ id: z.string().meta({ description: 'A quarantine entry\'s id (in the 400 of the refused POST, and in GET /api/v1/quarantine).' }) });

/** The senders' intake and the quarantine, as ingestion serves them. */
export const ingestionPaths: ZodOpenApiPathsObject = {
  '/api/v1/alerts/{source}': {
    post: {
      tags: ['intake'],
      summary: 'Send one alert or a batch from a SIEM (a sender credential of INGEST_AUTH_FILE; not an analyst token)',
      description:
        'Authenticated by the sender\'s credential: `Authorization: Bearer`, an HMAC signature (`X-Soc-Signature`, `X-Soc-Timestamp`, `X-Soc-Nonce`), or `?token=` where the credential allows it. The alerts\' tenant is the credential\'s, never the payload\'s. A body that does not parse as its source is kept in quarantine (400 names the entry); an accepted one is on the bus before the 202. Formats: services/ingestion/README.md.',
      security: [{ senderBearer: [] }, { senderHmac: [] }, { senderQueryToken: [] }],
      requestParams: { path: z.object({ source: SourceName }) },
      requestBody: {
        required: true,
        content: {
          'application/json': { schema: z.unknown().meta({ description: 'The source\'s own alert JSON: one alert, an array, or its batch envelope (`records`, `value`).' }) },
          'text/plain': { schema: z.string().meta({ description: 'cef only: CEF lines, one alert per line.' }) },
        },
      },
      responses: {
        '202': json('Accepted: the receipt of one alert, or `items` for a batch.', z.union([Receipt, z.object({ items: z.array(Receipt) })])),
        ...problems(400, 401, 404, 413, 415, 429, 503),
      },
    },
  },
  '/api/v1/quarantine': {
    get: {
      tags: ['quarantine'],
      summary: 'Payloads refused as unparseable, newest first, of the caller\'s tenants (role admin)',
      requestParams: { query: QuarantineListQuery },
      responses: { '200': json('Quarantine entries.', z.object({ items: z.array(QuarantineSummary) })), ...problems(...BEARER_PROBLEMS) },
    },
  },
  '/api/v1/quarantine/{id}': {
    get: {
      tags: ['quarantine'],
      summary: 'One entry with its reasons and stored body (role admin)',
      requestParams: { path: id },
      responses: { '200': json('The entry.', QuarantineEntry), ...problems(...BEARER_PROBLEMS, 404) },
    },
  },
  '/api/v1/quarantine/{id}/replay': {
    post: {
      tags: ['quarantine'],
      summary: 'Parses the stored body again, after a parser fix (role admin); the same alert ids as a fresh POST',
      requestParams: { path: id, query: z.object({ source: SourceName.optional().meta({ description: 'Parse as this source instead of the one it was sent to.' }) }) },
      responses: {
        '200': json('Replayed: the alerts are on the bus.', ReplayOutcome),
        '422': json('Still refused: the new reasons.', ReplayOutcome),
        ...problems(...BEARER_PROBLEMS, 404),
      },
    },
  },
  '/api/v1/quarantine/replay': {
    post: {
      tags: ['quarantine'],
      summary: 'Replays every quarantined entry of the caller\'s tenants (role admin)',
      responses: { '200': json('One outcome per entry.', z.object({ items: z.array(ReplayOutcome) })), ...problems(...BEARER_PROBLEMS) },
    },
  },
  '/api/v1/ingestion/openapi.json': {
    get: {
      tags: ['meta'],
      summary: 'This document (role viewer)',
      responses: { '200': json('The OpenAPI 3.1 document.', z.looseObject({ openapi: z.string(), info: z.looseObject({}), paths: z.looseObject({}) })), ...problems(...BEARER_PROBLEMS) },
    },
  },
};

/**
 * The OpenAPI 3.1 document of ingestion's routes: the senders' intake and the quarantine. Ingestion serves it itself
 * (`GET /api/v1/ingestion/openapi.json`): it runs as its own deployment, and services never import each other, so the
 * analyst API's document (`/api/v1/openapi.json`) does not take these routes in. Pure; built once at start.
 */
export function buildIngestionOpenApiDocument(version = '0.1.0'): IngestionOpenApiDocument {
  return createDocument({
    openapi: '3.1.0',
    info: {
      title: 'SOC Copilot ingestion API',
      version,
      description: 'Alert intake for SIEMs (sender credentials) and the quarantine of refused payloads (analyst tokens with the admin role). Errors are RFC 9457 problem details.',
      license: { name: 'MIT', identifier: 'MIT' },
    },
    security: [{ bearer: [] }],
    components: {
      securitySchemes: {
        bearer: { type: 'http', scheme: 'bearer', description: 'An analyst API token of SOC_API_TOKENS.' },
        senderBearer: { type: 'http', scheme: 'bearer', description: 'A sender token of INGEST_AUTH_FILE.' },
        senderHmac: { type: 'apiKey', in: 'header', name: 'X-Soc-Signature', description: '`v1=<hex HMAC-SHA256(secret, "v1:<timestamp>:<nonce>:<METHOD>:<path>:" + body)>` with X-Soc-Timestamp and X-Soc-Nonce.' },
        senderQueryToken: { type: 'apiKey', in: 'query', name: 'token', description: 'A sender token with `allowQueryToken` (for products that cannot set headers).' },
      },
    },
    tags: [{ name: 'intake' }, { name: 'quarantine' }, { name: 'meta' }],
    paths: ingestionPaths,
  });
}

/** `GET /api/v1/ingestion/openapi.json` (role viewer): the document built at start, serialised once. */
export function ingestionOpenApiRoutes(document: IngestionOpenApiDocument): Router {
  const router = express.Router();
  const body = JSON.stringify(document);
  router.get('/api/v1/ingestion/openapi.json', requireRole('viewer'), (_req, res) => {
    res.type('application/json').send(body);
  });
  return router;
}
