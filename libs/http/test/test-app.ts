import express, { type Express } from 'express';
import { z } from 'zod';
import { createLogger, createMetrics, type Logger, type SocMetrics } from '@soc/observability';
import { AppError, ErrorCode } from '@soc/runtime';
import { bearerAuth, errorHandler, jsonBody, listen, notFound, requestLogging, type HttpServer } from '../src/index.ts';
import { memoryLog, type MemoryLog } from '@soc/observability/testing';

/** Tokens for tests: long enough to pass validation, distinctive enough to search logs for. */
export const CLI_TOKEN = 'cli-token-9f8e7d6c5b4a3210';
export const UI_TOKEN = 'ui-token-0123456789abcdef';

export const AlertBody = z.object({
  title: z.string().min(1),
  severity: z.enum(['low', 'medium', 'high', 'critical']),
  observables: z.array(z.object({ type: z.string(), value: z.string() })).default([]),
});

export interface TestServer {
  readonly http: HttpServer;
  readonly log: MemoryLog;
  readonly logger: Logger;
  readonly metrics: SocMetrics;
  readonly url: (path: string) => string;
}

/** Builds an app the way a service does, with routes that fail in every way the error handler must cover. */
export function buildApp(logger: Logger, metrics: SocMetrics): Express {
  const app = express();
  app.disable('x-powered-by');
  app.use(requestLogging(logger, { metrics }));

  app.get('/app-error/:code', (req) => {
    const code = req.params.code as ErrorCode;
    const details = code === ErrorCode.RATE_LIMITED ? { retryAfterSeconds: 7 } : { field: 'x' };
    throw new AppError(code, `app error ${code} at https://svc:internal-pass@db.internal`, {
      retryable: false,
      details,
    });
  });
  app.post('/alerts', jsonBody({ limitBytes: 1024 }), (req, res) => {
    const alert = AlertBody.parse(req.body);
    res.status(201).json({ received: alert.title });
  });
  app.post(
    '/events',
    jsonBody({ limitBytes: 1024, types: ['application/cloudevents+json', 'application/json'] }),
    (req, res) => {
      res.json({ type: (req.body as { type?: string } | undefined)?.type ?? null });
    },
  );
  app.post('/wrapped', jsonBody({ limitBytes: 1024 }), (req) => {
    const parsed = AlertBody.safeParse(req.body);
    if (!parsed.success) {
      throw new AppError(ErrorCode.VALIDATION_FAILED, 'The alert is invalid.', {
        retryable: false,
        cause: parsed.error,
      });
    }
  });
  app.post('/raw-json', express.json({ limit: 32 }), (_req, res) => {
    res.json({ ok: true });
  });
  app.get('/crash', () => {
    throw new Error('cosmos failed: AccountEndpoint=https://x.documents.azure.com/;AccountKey=c2VjcmV0a2V5;');
  });
  app.get('/crash-async', async () => {
    await Promise.resolve();
    throw 'a string, not an Error';
  });
  app.get(
    '/me',
    bearerAuth({
      tokens: [
        { name: 'cli', token: CLI_TOKEN },
        { name: 'ui', token: UI_TOKEN },
      ],
    }),
    (_req, res) => {
      res.json({ principal: res.locals.principal as string });
    },
  );
  app.get('/items/:id', (req, res) => {
    res.json({ id: req.params.id });
  });
  app.use(notFound());
  app.use(errorHandler({ logger }));
  return app;
}

/** Starts the test app on 127.0.0.1 with an in-memory log. */
export async function startTestServer(): Promise<TestServer> {
  const log = memoryLog();
  const logger = createLogger({ service: 'api', level: 'debug', destination: log.destination });
  const metrics = createMetrics({ service: 'api', defaultMetrics: false });
  const http = await listen(buildApp(logger, metrics), 0, '127.0.0.1');
  return { http, log, logger, metrics, url: (path) => `${http.url}${path}` };
}
