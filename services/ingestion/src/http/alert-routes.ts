import express, { type Request, type Response, type Router } from 'express';
import { problem, problemType, translateBodyParserError } from '@soc/http';
import type { Clock } from '@soc/runtime';
import type { IngestResult } from '../ports.ts';
import type { PipelineIngestor } from '../ingestor.ts';
import { SOURCE_NAMES, parserFor } from '../sources/registry.ts';
import type { FieldError } from '../sources/types.ts';
import type { SenderAuthenticator } from './authenticator.ts';
import type { KeyedRateLimiter } from '@soc/http';

/** What the alert routes need. */
export interface AlertRoutesDeps {
  ingestor: PipelineIngestor;
  auth: SenderAuthenticator;
  limiter: KeyedRateLimiter;
  clock: Clock;
  maxBodyBytes: number;
}

const DOCS = 'services/ingestion/README.md';

/**
 * `POST /api/v1/alerts/{source}`: unknown source 404 → wrong media type 415 → credentials 401 (before the body is
 * read, except an HMAC signature, which covers the body) → per-sender rate 429 (one token) → size 413 → parse →
 * the alerts it holds: more than the burst 413, more than the bucket holds now 429 (one token per alert). A body that
 * does not parse as its source is quarantined with the reasons (400 names the entry); an accepted one is on the
 * bus, with its raw body stored, before the 202.
 */
export function alertRoutes(deps: AlertRoutesDeps): Router {
  const router = express.Router();
  const readRaw = express.raw({ type: () => true, limit: deps.maxBodyBytes });
  router.post('/api/v1/alerts/:source', async (req, res, next) => {
    try {
      const source = req.params.source;
      const parser = parserFor(source);
      if (parser === undefined) {
        problem(res, 404, { type: problemType('unknown-source'), title: 'Unknown alert source', detail: `Supported sources: ${SOURCE_NAMES.join(', ')}.` });
        return;
      }
      const mediaType = req.is([...parser.mediaTypes]);
      if (typeof mediaType !== 'string') {
        res.setHeader('Accept-Post', parser.mediaTypes.join(', '));
        problem(res, 415, { type: problemType('unsupported-media-type'), title: 'Unsupported media type', detail: `${source} alerts must be sent as ${parser.mediaTypes.join(' or ')} (Content-Type header).` });
        return;
      }
      const step = await deps.auth.check(credentialsShown(req), source);
      if (step.ok === false) {
        unauthorized(res, step.reason);
        return;
      }
      const length = Number(req.headers['content-length'] ?? 0);
      if (length > deps.maxBodyBytes) {
        tooLarge(res, deps.maxBodyBytes);
        return;
      }
      const retryAfter = step.ok === true ? deps.limiter.take(step.principal, deps.clock.now().getTime()) : 0;
      if (retryAfter > 0) {
        rateLimited(res, retryAfter);
        return;
      }
      const raw = await new Promise<Buffer>((resolve, reject) => {
        readRaw(req, res, (error?: unknown) => (error === undefined ? resolve(Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0)) : reject(error)));
      });
      let principal: string;
      let senderName: string;
      // The sender's tenant is its credential's: a payload naming another tenant changes nothing.
      let tenantId: string | undefined;
      if (step.ok === 'needs-body') {
        const verified = step.verify(raw);
        if (!verified.ok) {
          if (verified.retryAfterSeconds !== undefined) rateLimited(res, verified.retryAfterSeconds);
          else unauthorized(res, verified.reason);
          return;
        }
        const wait = deps.limiter.take(verified.principal, deps.clock.now().getTime());
        if (wait > 0) {
          rateLimited(res, wait);
          return;
        }
        principal = verified.principal;
        senderName = verified.name;
        tenantId = verified.tenantId;
      } else {
        principal = step.principal;
        senderName = step.name;
        tenantId = step.tenantId;
      }
      res.locals.principal = principal;
      const isText = mediaType.startsWith('text/');
      const rawText = raw.toString('utf8');
      if (rawText.trim() === '') {
        problem(res, 400, { type: problemType('invalid-alert'), title: 'Empty body', detail: `Send one ${source} alert or a batch; the formats are in ${DOCS}.` });
        return;
      }
      let body: unknown = rawText;
      if (!isText) {
        try {
          body = JSON.parse(rawText);
        } catch (error) {
          const reason = `The body is not valid JSON (${(error as Error).message.replace(/, ".*$/s, '').slice(0, 120)})`;
          const quarantineId = await deps.ingestor.quarantine({ source, body: rawText, sender: principal, senderName, tenantId, receivedVia: 'http', reason });
          refused(res, source, body, quarantineId, [{ index: 0, path: '(root)', message: reason }]);
          return;
        }
      }
      // The request paid one token before its body was read; each further alert it holds costs one more.
      const admit = (alerts: number): Extract<IngestResult, { kind: 'rate-limited' | 'too-many' }> | undefined => {
        if (alerts > deps.limiter.burst) {
          const message = `The body holds ${alerts} alerts; a sender may send at most ${deps.limiter.burst} at once (INGEST_RATE_BURST): split it`;
          return { kind: 'too-many', alerts, limit: deps.limiter.burst, errors: [{ index: deps.limiter.burst, path: '(root)', message }] };
        }
        const retryAfterSeconds = deps.limiter.take(principal, deps.clock.now().getTime(), alerts - 1);
        const message = `The body holds ${alerts} alerts, more than this sender's rate limit (INGEST_RATE_PER_SECOND alerts per second, burst INGEST_RATE_BURST) allows now`;
        return retryAfterSeconds > 0 ? { kind: 'rate-limited', alerts, retryAfterSeconds, errors: [{ index: 0, path: '(root)', message }] } : undefined;
      };
      const result = await deps.ingestor.ingest({ source: parser.name, body, rawText, mediaType: isText ? 'text/plain' : 'application/json', sender: principal, senderName, tenantId, receivedVia: 'http', admit });
      respond(res, source, body, result);
    } catch (error) {
      next(translateBodyParserError(error) ?? error);
    }
  });
  return router;
}

function credentialsShown(req: Request) {
  const token = req.query.token;
  return {
    authorization: req.get('authorization'),
    signature: req.get('x-soc-signature'),
    timestamp: req.get('x-soc-timestamp'),
    nonce: req.get('x-soc-nonce'),
    method: req.method,
    queryToken: typeof token === 'string' ? token : undefined,
  };
}

function respond(res: Response, source: string, body: unknown, result: IngestResult): void {
  switch (result.kind) {
    case 'accepted':
      res.status(202).json(result.receipts.length === 1 && !isBatch(body) ? result.receipts[0] : { items: result.receipts });
      return;
    case 'quarantined':
      refused(res, source, body, result.quarantineId, result.errors);
      return;
    case 'too-many':
      problem(res, 413, { type: problemType('batch-too-large'), title: 'Too many alerts in one request', detail: result.errors[0]?.message ?? 'Split the batch.' });
      return;
    case 'rate-limited':
      rateLimited(res, result.retryAfterSeconds, result.errors[0]?.message);
      return;
  }
}

function refused(res: Response, source: string, body: unknown, quarantineId: string, errors: readonly FieldError[]): void {
  problem(res, 400, {
    type: problemType('invalid-alert'),
    title: `The payload does not parse as ${source} alerts`,
    detail: `Nothing was accepted. The body is kept in quarantine as ${quarantineId}: fix the listed fields and resend, or replay it after a parser fix (soc quarantine replay ${quarantineId}). Formats: ${DOCS}.`,
    extensions: { quarantineId },
    errors: errors.slice(0, 100).map((e) => ({ path: isBatch(body) || e.index > 0 ? `[${e.index}].${e.path}` : e.path, message: e.message })),
  });
}

function isBatch(body: unknown): boolean {
  if (Array.isArray(body)) return true;
  if (typeof body === 'string') return true;
  return typeof body === 'object' && body !== null && (Array.isArray((body as { records?: unknown }).records) || Array.isArray((body as { value?: unknown }).value));
}

function unauthorized(res: Response, reason: string): void {
  res.setHeader('WWW-Authenticate', 'Bearer realm="soc-ingest"');
  problem(res, 401, { type: problemType('unauthorized'), title: 'Unauthorized', detail: `${reason} Nothing was stored.` });
}

function tooLarge(res: Response, limit: number): void {
  problem(res, 413, { type: problemType('payload-too-large'), title: 'Payload too large', detail: `The body exceeds ${limit} bytes (INGEST_MAX_BODY_BYTES); send smaller batches.` });
}

function rateLimited(res: Response, seconds: number, why: string = "This sender's rate limit is exceeded"): void {
  res.setHeader('Retry-After', String(seconds));
  problem(res, 429, { type: problemType('rate-limited'), title: 'Too many requests', detail: `${why}; retry after ${seconds} s. Nothing was stored.` });
}
