import express, { type RequestHandler, type Router } from 'express';
import type { Logger } from '@soc/observability';
import { bearerAuth, type BearerToken } from './bearer-auth.ts';

/** The state of one dependency a service needs to do work. */
export interface ReadinessCheck {
  readonly ok: boolean;
  /** For the log only; never sent to the (unauthenticated) caller. */
  readonly detail?: string;
  /** The check did not answer within its timeout (reported as `timed-out` rather than `failing`). */
  readonly timedOut?: boolean;
}

/** One dependency's readiness: resolves when it can serve, rejects with the reason otherwise. */
export type ReadinessProbe = () => Promise<void>;

/** Options of {@link checkReadiness}. */
export interface CheckReadinessOptions {
  /** Each probe that has not answered by then counts as not ready. Default 1500 ms (under the route's 2000 ms). */
  readonly timeoutMs?: number;
}

/**
 * Runs every probe at once, each under its own timeout, so one hung dependency is named as `timed-out` instead of
 * hiding the others behind a timeout of the whole probe. Ready when every probe resolved in time.
 */
export async function checkReadiness(
  probes: Readonly<Record<string, ReadinessProbe>>,
  options: CheckReadinessOptions = {},
): Promise<Readiness> {
  const timeoutMs = options.timeoutMs ?? 1_500;
  const entries = await Promise.all(
    Object.entries(probes).map(async ([name, probe]): Promise<[string, ReadinessCheck]> => {
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<ReadinessCheck>((resolve) => {
        timer = setTimeout(() => resolve({ ok: false, timedOut: true, detail: `no answer within ${timeoutMs} ms` }), timeoutMs);
      });
      const run = (async (): Promise<ReadinessCheck> => {
        try {
          await probe();
          return { ok: true };
        } catch (error) {
          return { ok: false, detail: error instanceof Error ? error.message : String(error) };
        }
      })();
      try {
        return [name, await Promise.race([run, timeout])];
      } finally {
        clearTimeout(timer);
      }
    }),
  );
  const checks = Object.fromEntries(entries);
  return { ok: entries.every(([, check]) => check.ok), checks };
}

/** What a service's readiness probe reports. */
export interface Readiness {
  readonly ok: boolean;
  readonly checks: Readonly<Record<string, ReadinessCheck>>;
}

/** The part of a prom-client `Registry` `/metrics` needs. */
export interface MetricsRegistry {
  readonly contentType: string;
  metrics(): Promise<string>;
}

/** Who may scrape `/metrics`: holders of its own tokens, or anyone when explicitly `'open'`. */
export type MetricsAuth = 'open' | { readonly tokens: readonly BearerToken[] };

/** Options of {@link healthRoutes}. */
export interface HealthRoutesOptions {
  readonly ready: () => Promise<Readiness>;
  readonly metrics: MetricsRegistry;
  readonly metricsAuth: MetricsAuth;
  /** Logs readiness changes with the failing checks' details. */
  readonly logger?: Logger;
  /** A readiness probe that takes longer counts as not ready. Default 2000 ms. */
  readonly readyTimeoutMs?: number;
}

async function probe(ready: () => Promise<Readiness>, timeoutMs: number): Promise<Readiness> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<Readiness>((resolve) => {
    timer = setTimeout(
      () => resolve({ ok: false, checks: { readiness: { ok: false, detail: 'timed out' } } }),
      timeoutMs,
    );
  });
  try {
    return await Promise.race([ready(), timeout]);
  } catch (error) {
    return {
      ok: false,
      checks: { readiness: { ok: false, detail: error instanceof Error ? error.message : String(error) } },
    };
  } finally {
    clearTimeout(timer);
  }
}

const noStore: RequestHandler = (_req, res, next) => {
  res.setHeader('Cache-Control', 'no-store');
  next();
};

/**
 * The operational endpoints every service exposes: `GET /healthz` (liveness: the process answers; reveals nothing),
 * `GET /readyz` (503 until every dependency check passes; shows check names and `ok`/`failing`/`timed-out` only) and `GET /metrics`
 * (Prometheus text, behind its own bearer tokens unless `metricsAuth` is `'open'`).
 */
export function healthRoutes(options: HealthRoutesOptions): Router {
  const router = express.Router();
  const timeoutMs = options.readyTimeoutMs ?? 2_000;
  let wasReady: boolean | undefined;

  router.get('/healthz', noStore, (_req, res) => {
    res.json({ status: 'ok' });
  });

  router.get('/readyz', noStore, async (_req, res) => {
    const readiness = await probe(options.ready, timeoutMs);
    // Logged on change only: probes run every few seconds and a steady state is not news.
    if (readiness.ok !== wasReady) {
      const failing = Object.fromEntries(
        Object.entries(readiness.checks)
          .filter(([, check]) => !check.ok)
          .map(([name, check]) => [name, check.detail ?? 'failing']),
      );
      if (readiness.ok) options.logger?.info('ready');
      else options.logger?.warn({ failing }, 'not ready');
      wasReady = readiness.ok;
    }
    const checks = Object.fromEntries(
      Object.entries(readiness.checks).map(([name, check]) => [
        name,
        check.ok ? 'ok' : check.timedOut ? 'timed-out' : 'failing',
      ]),
    );
    res.status(readiness.ok ? 200 : 503).json({ status: readiness.ok ? 'ready' : 'not-ready', checks });
  });

  const metricsGuard: RequestHandler[] =
    options.metricsAuth === 'open' ? [] : [bearerAuth({ tokens: options.metricsAuth.tokens, realm: 'metrics' })];
  router.get('/metrics', noStore, ...metricsGuard, async (_req, res) => {
    const text = await options.metrics.metrics();
    res.type(options.metrics.contentType).send(text);
  });

  return router;
}
