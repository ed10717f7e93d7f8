import type { RequestHandler } from 'express';
import { startServerSpan } from '@soc/observability';
import { QUIET_PATHS, pathOf, routeOf } from './request-logging.ts';

/** Options of {@link requestTracing}. */
export interface RequestTracingOptions {
  /** Paths not traced (probes and scrapes every few seconds are not news). Default health and metrics paths. */
  readonly quietPaths?: readonly string[];
}

/**
 * Runs every request inside a SERVER span (`POST /api/v1/alerts/:source`), so the events a request publishes carry
 * its trace context and an alert's journey is one trace from its POST to its last hop. Install before the routes;
 * without a registered tracing SDK it costs a non-recording span. The query string is never recorded.
 */
export function requestTracing(options: RequestTracingOptions = {}): RequestHandler {
  const quietPaths = new Set(options.quietPaths ?? QUIET_PATHS);
  return (req, res, next) => {
    const path = pathOf(req);
    if (quietPaths.has(path)) {
      next();
      return;
    }
    const span = startServerSpan(req.method, path);
    // The body arrives through the request's stream events, which run in the socket's context unless bound.
    span.bind(req);
    span.bind(res);
    res.once('close', () => span.end(routeOf(req), res.writableFinished ? res.statusCode : 499));
    span.run(() => next());
  };
}
