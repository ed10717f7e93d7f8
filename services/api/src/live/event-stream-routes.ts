import express, { type Router } from 'express';
import { z } from 'zod';
import { problem, problemType, recheckPrincipal, requireRole } from '@soc/http';
import type { Clock } from '@soc/runtime';
import { tenantScope } from '../tenancy.ts';
import type { CaseChangeFeed, CaseHint } from './change-feed.ts';

/** Bounds of the live streams. */
export interface EventStreamLimits {
  /** Open streams in all (this replica); 429 beyond. */
  total: number;
  perPrincipal: number;
  heartbeatMs: number;
  /** The `retry:` a client waits before reconnecting. */
  retryMs: number;
}

// No parameters: an unknown one is a 400, like every list route.
export const EventStreamQuery = z.object({}).strict();

/** A stream whose client reads slower than this many unsent bytes is ended (it reconnects and reloads). */
const MAX_BUFFERED_BYTES = 64 * 1024;

/** One server-sent event (`event:` and one `data:` line of JSON; ids and times only, so no line breaks to escape). */
export function sseEvent(event: string, data: unknown): string {
  return `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;
}

/**
 * `GET /api/v1/events` (role viewer): a `text/event-stream` of hints for the console. `case-changed` with
 * `{ alertId, groupId }` when a case of the caller's tenants changed (never alert text), `heartbeat` every
 * `heartbeatMs`, `retry:` first. Before each heartbeat the request's credential is re-checked
 * ({@link recheckPrincipal}): when it no longer speaks for the principal with the viewer role the stream sends
 * `signed-out` and ends. At most `total` streams on this replica and `perPrincipal` per principal (429 with
 * Retry-After beyond). `drain()` ends every stream (shutdown), after which new ones get 503.
 */
export function eventStreamRoutes(deps: { feed: CaseChangeFeed; limits: EventStreamLimits; clock: Clock; tenantId: string }): { router: Router; drain(): Promise<void>; open(): number } {
  const router = express.Router();
  const streams = new Set<express.Response>();
  const perPrincipal = new Map<string, number>();
  let draining = false;

  router.get('/api/v1/events', requireRole('viewer'), (req, res) => {
    EventStreamQuery.parse(req.query);
    const principal = String(res.locals.principal);
    if (draining) {
      res.setHeader('Retry-After', String(Math.ceil(deps.limits.retryMs / 1000)));
      problem(res, 503, { type: problemType('shutting-down'), title: 'Shutting down', detail: 'This replica is stopping; reconnect.' });
      return;
    }
    const mine = perPrincipal.get(principal) ?? 0;
    if (streams.size >= deps.limits.total || mine >= deps.limits.perPrincipal) {
      res.setHeader('Retry-After', String(Math.ceil(deps.limits.retryMs / 1000)));
      problem(res, 429, {
        type: problemType('too-many-streams'),
        title: 'Too many event streams',
        detail: mine >= deps.limits.perPrincipal ? `Principal "${principal}" has ${mine} open event streams (at most ${deps.limits.perPrincipal}); close a console tab.` : 'The server holds as many event streams as it may; retry later.',
      });
      return;
    }
    let scope = tenantScope(res, deps.tenantId);
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-cache, no-store', 'x-accel-buffering': 'no' });
    streams.add(res);
    perPrincipal.set(principal, mine + 1);
    const send = (chunk: string): void => {
      if (res.writableEnded) return;
      res.write(chunk);
      if (res.writableLength > MAX_BUFFERED_BYTES) res.end();
    };
    send(`retry: ${deps.limits.retryMs}\n\n`);
    send(sseEvent('ready', { heartbeatSeconds: Math.round(deps.limits.heartbeatMs / 1000) }));
    // Each heartbeat first asks whether the credential still speaks for this principal with the viewer role: a stream
    // ends with its session (signed out, expired, principal or role removed) or its token (a JWT past exp).
    let checking = false;
    const beat = async (): Promise<void> => {
      if (checking || res.writableEnded) return;
      checking = true;
      try {
        const now = await recheckPrincipal(res);
        if (now === undefined || now.principal !== principal || !now.roles.includes('viewer')) {
          send(sseEvent('signed-out', {}));
          res.end();
          return;
        }
        res.locals.tenants = now.tenants; // a tenant taken away stops its hints at once
        scope = tenantScope(res, deps.tenantId);
        send(sseEvent('heartbeat', { at: deps.clock.now().toISOString() }));
      } catch {
        res.end(); // the credential cannot be re-checked (e.g. the state store is down): fail closed; the client reconnects
      } finally {
        checking = false;
      }
    };
    const heartbeat = setInterval(() => void beat(), deps.limits.heartbeatMs);
    heartbeat.unref();
    const unsubscribe = deps.feed.subscribe((hint: CaseHint) => {
      if (scope.sees(hint.tenantId)) send(sseEvent('case-changed', { alertId: hint.alertId, groupId: hint.groupId }));
    });
    res.once('close', () => {
      clearInterval(heartbeat);
      unsubscribe();
      streams.delete(res);
      const left = (perPrincipal.get(principal) ?? 1) - 1;
      if (left > 0) perPrincipal.set(principal, left);
      else perPrincipal.delete(principal);
    });
  });

  return {
    router,
    open: () => streams.size,
    async drain() {
      draining = true;
      await Promise.all([...streams].map((res) => new Promise<void>((resolve) => {
        if (res.writableEnded) resolve();
        else res.end(resolve);
      })));
    },
  };
}
