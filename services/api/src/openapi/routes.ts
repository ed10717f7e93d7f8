import express, { type Router } from 'express';
import { requireRole } from '@soc/http';
import type { OpenApiDocument } from './document.ts';

/** `GET /api/v1/openapi.json` (role viewer): the document built at start, serialised once. */
export function openApiRoutes(document: OpenApiDocument): Router {
  const router = express.Router();
  const body = JSON.stringify(document);
  router.get('/api/v1/openapi.json', requireRole('viewer'), (_req, res) => {
    res.type('application/json').send(body);
  });
  return router;
}
