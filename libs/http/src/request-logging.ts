import { randomUUID } from 'node:crypto';
import type { Request, RequestHandler } from 'express';
import type { Logger, SocMetrics } from '@soc/observability';

/** Options of {@link requestLogging}. */
export interface RequestLoggingOptions {
  /** Counts requests and their duration (`soc_http_requests_total`, `soc_http_request_duration_seconds`). */
  readonly metrics?: SocMetrics;
  /** Paths whose successful requests are logged at debug (probes and scrapes). Default health and metrics paths. */
  readonly quietPaths?: readonly string[];
}

/** Header carrying the request id in both directions. */
export const REQUEST_ID_HEADER = 'x-request-id';

// An incoming id is reused only if it cannot inject anything into logs or headers.
const SANE_REQUEST_ID = /^[\w.:-]{1,128}$/;

/** Paths probed and scraped every few seconds: logged at debug, never traced. */
export const QUIET_PATHS: readonly string[] = ['/healthz', '/readyz', '/metrics'];

/** A request's path without its query string (where callers put tokens). */
export function pathOf(req: Request): string {
  return req.originalUrl.split('?')[0] ?? '';
}

/** The route template (`/api/alerts/:id`), so metrics stay low-cardinality and paths with ids are grouped. */
export function routeOf(req: Request): string {
  const route = (req.route as { path?: unknown } | undefined)?.path;
  return route === undefined ? 'unmatched' : `${req.baseUrl}${String(route)}`;
}

/**
 * Gives each request an id (a sane incoming `x-request-id`, else a new UUID) echoed in the response, a child logger
 * in `res.locals.log`, one log line when it ends (method, path without query, route, status, duration, principal)
 * and HTTP metrics. Query strings are never logged: they are where callers put tokens.
 */
export function requestLogging(logger: Logger, options: RequestLoggingOptions = {}): RequestHandler {
  const quietPaths = new Set(options.quietPaths ?? QUIET_PATHS);
  return (req, res, next) => {
    const started = process.hrtime.bigint();
    const incoming = req.get(REQUEST_ID_HEADER);
    const requestId = incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();
    const log = logger.child({ requestId });
    res.locals.requestId = requestId;
    res.locals.log = log;
    res.setHeader(REQUEST_ID_HEADER, requestId);

    res.once('close', () => {
      const durationMs = Number(process.hrtime.bigint() - started) / 1e6;
      // 499 (client closed request) when the client went away before the response was complete.
      const status = res.writableFinished ? res.statusCode : 499;
      const route = routeOf(req);
      const path = pathOf(req);
      options.metrics?.httpRequests.inc({
        service: options.metrics.service,
        method: req.method,
        route,
        status: String(status),
      });
      options.metrics?.httpRequestDuration.observe(
        { service: options.metrics.service, method: req.method, route, status: String(status) },
        durationMs / 1000,
      );
      const fields = {
        method: req.method,
        path,
        route,
        status,
        durationMs: Math.round(durationMs * 1000) / 1000,
        ...(typeof res.locals.principal === 'string' ? { principal: res.locals.principal } : {}),
        ...(typeof res.locals.problem === 'string' ? { problem: res.locals.problem } : {}),
      };
      if (status >= 500) log.error(fields, 'request finished');
      else if (status >= 400) log.warn(fields, 'request finished');
      else if (quietPaths.has(path)) log.debug(fields, 'request finished');
      else log.info(fields, 'request finished');
    });
    next();
  };
}
