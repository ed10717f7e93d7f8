import express, { type Router } from 'express';
import type { z } from 'zod';
import {
  type HttpServer,
  type ReadinessProbe,
  apiAuth,
  checkReadiness,
  errorHandler,
  healthRoutes,
  listen,
  notFound,
  requestLogging,
  requestTracing,
} from '@soc/http';
import { type TracingHandle, startTracing } from '@soc/observability/otel';
import { type Closer, loadConfig, onShutdown } from '@soc/runtime';
import { CheckedPlatformEnv, type PlatformEnv } from './env.ts';
import { type OpenPlatformOptions, type Platform, openPlatform } from './open-platform.ts';
import { withMountedSecrets } from './secrets-dir.ts';
import { apiPrincipalSources } from './sign-in.ts';

/** What a started service hands back to its host. */
export interface StartedService {
  /**
   * Routes mounted at the root; everything under `/api` requires an API token (`res.locals.principal`,
   * `res.locals.roles`), and each route must declare its role with `requireRole`.
   */
  readonly routes?: Router;
  /**
   * Routes that authenticate their callers themselves (e.g. alert senders with per-source bearer, HMAC or Entra ID
   * credentials), mounted before the `/api` bearer check. Every such route must reject unauthenticated requests.
   */
  readonly publicRoutes?: Router;
  /**
   * The dependencies this service needs besides the bus and the state store (a payload store, a stream …), each a
   * probe that resolves when it can serve; `/readyz` names them `<service>:<name>`. The host adds `bus` and `state`.
   */
  readonly readiness?: Readonly<Record<string, ReadinessProbe>>;
  /**
   * Ends the service's long-lived responses (server-sent event streams), called before the HTTP server closes, so
   * they do not hold its graceful close for the whole grace period.
   */
  drain?(): Promise<void>;
  /** Stops consumers and timers; the host closes the bus and state afterwards. */
  close(): Promise<void>;
}

/** A service as its host sees it: a name, its own configuration schema and a start function. */
export interface ServiceModule<C = unknown> {
  readonly name: string;
  /** The service's own environment variables (zod over `process.env`). */
  readonly config: z.ZodType<C>;
  start(platform: Platform, config: C): Promise<StartedService>;
}

/** A running process: for tests and benchmarks that drive it in-process. */
export interface RunningSystem {
  readonly platform: Platform;
  readonly http: HttpServer;
  readonly url: string;
  close(): Promise<void>;
}

/** Options of {@link runServices}. */
export interface RunServicesOptions extends OpenPlatformOptions {
  /** Environment to read; default `process.env`. */
  env?: Record<string, string | undefined>;
  /** Name in logs and metrics; default the single service's name or `soc-copilot`. */
  name?: string;
  /** Install SIGINT/SIGTERM handlers (processes yes, tests no). Default true. */
  handleSignals?: boolean;
  /** Each readiness probe that has not answered by then counts as not ready (`timed-out`). Default 1500 ms. */
  readinessTimeoutMs?: number;
}

/**
 * Starts OpenTelemetry trace export when the standard variables ask for it (an OTLP endpoint, the SDK not disabled,
 * the traces exporter not `none`); undefined otherwise, and then nothing of the SDK is loaded.
 */
export function startProcessTracing(env: PlatformEnv, name: string): Promise<TracingHandle | undefined> {
  if (env.OTEL_SDK_DISABLED || env.OTEL_TRACES_EXPORTER === 'none') return Promise.resolve(undefined);
  return startTracing({
    service: env.OTEL_SERVICE_NAME ?? name,
    endpoint: env.OTEL_EXPORTER_OTLP_ENDPOINT,
    tracesEndpoint: env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT,
  });
}

/**
 * Hosts one or more services in this process: validates every configuration first (all problems listed),
 * opens the platform once, starts each service, serves health, metrics and the services' routes on one HTTP
 * server, and shuts down in order (HTTP, consumers, bus, state).
 */
export async function runServices(modules: readonly ServiceModule[], options: RunServicesOptions = {}): Promise<RunningSystem> {
  const env = withMountedSecrets(options.env ?? process.env);
  const platformEnv = loadConfig(CheckedPlatformEnv, env);
  const configs = modules.map((m) => loadConfig(m.config, env));
  const name = options.name ?? (modules.length === 1 ? modules[0]!.name : 'soc-copilot');
  // Before the bus opens, so consumer spans record from the first message.
  const tracing = await startProcessTracing(platformEnv, name);
  let platform: Platform;
  try {
    platform = await openPlatform(name, platformEnv, options);
  } catch (error) {
    await tracing?.shutdown();
    throw error;
  }
  const started: StartedService[] = [];
  try {
    for (const [i, m] of modules.entries()) started.push(await m.start(platform, configs[i]));
  } catch (error) {
    await Promise.allSettled(started.map((s) => s.close()));
    await platform.close();
    await tracing?.shutdown();
    throw error;
  }
  if (tracing) platform.log.info({ service: platformEnv.OTEL_SERVICE_NAME ?? name }, 'exporting traces over OTLP/HTTP');

  const app = express();
  app.disable('x-powered-by');
  // req.ip: the TCP peer, or the address the nearest trusted proxy saw (SOC_TRUST_PROXY_HOPS); nothing a client says.
  app.set('trust proxy', platformEnv.SOC_TRUST_PROXY_HOPS === 0 ? false : platformEnv.SOC_TRUST_PROXY_HOPS);
  app.use(requestTracing());
  app.use(requestLogging(platform.log, { metrics: platform.metrics }));
  const metricsToken = platformEnv.SOC_METRICS_TOKEN;
  // Every dependency the process needs to do its work: the platform's own, then each service's.
  const probes: Record<string, ReadinessProbe> = {
    bus: () => platform.bus.probe(),
    state: async () => {
      await platform.state.get('health', 'probe');
    },
  };
  const readinessTimeoutMs = options.readinessTimeoutMs ?? 1_500;
  for (const [i, s] of started.entries()) {
    for (const [check, probe] of Object.entries(s.readiness ?? {})) probes[`${modules[i]!.name}:${check}`] = probe;
  }
  app.use(
    healthRoutes({
      ready: () => checkReadiness(probes, { timeoutMs: readinessTimeoutMs }),
      readyTimeoutMs: readinessTimeoutMs + 500,
      metrics: platform.metrics.registry,
      metricsAuth: metricsToken === 'open' ? 'open' : { tokens: metricsToken ? [{ name: 'metrics', token: metricsToken }] : platform.apiTokens },
      logger: platform.log,
    }),
  );
  for (const s of started) if (s.publicRoutes) app.use(s.publicRoutes);
  // Authenticated once here (API tokens, Entra ID JWTs, the console's session cookie); each route then declares the
  // role it needs (requireRole).
  app.use('/api', apiAuth({ sources: apiPrincipalSources({ env: platformEnv, state: platform.state, clock: platform.clock, apiTokens: platform.apiTokens, apiRoles: platform.apiRoles, apiTenants: platform.apiTenants }) }));
  for (const s of started) if (s.routes) app.use(s.routes);
  app.use(notFound());
  app.use(errorHandler({ logger: platform.log }));

  const http = await listen(app, platformEnv.PORT, platformEnv.HOST, {
    limits: {
      headersTimeoutMs: platformEnv.SOC_HTTP_HEADERS_TIMEOUT_MS,
      requestTimeoutMs: platformEnv.SOC_HTTP_REQUEST_TIMEOUT_MS,
      keepAliveTimeoutMs: platformEnv.SOC_HTTP_KEEP_ALIVE_TIMEOUT_MS,
      maxConnections: platformEnv.SOC_HTTP_MAX_CONNECTIONS,
      maxHeadersCount: platformEnv.SOC_HTTP_MAX_HEADERS_COUNT,
      maxHeaderBytes: platformEnv.SOC_HTTP_MAX_HEADER_BYTES,
    },
  });
  platform.log.info({ url: http.url, services: modules.map((m) => m.name), bus: platformEnv.SOC_BUS, state: platformEnv.SOC_STATE }, 'SOC Copilot is running');

  // Tracing last: the spans of the last handlers are flushed before the process ends.
  const closers: Closer[] = [
    async () => {
      await Promise.allSettled(started.map((s) => s.drain?.()));
    },
    () => http.close(),
    ...started.map((s) => () => s.close()),
    () => platform.close(),
    ...(tracing ? [() => tracing.shutdown()] : []),
  ];
  const close = async (): Promise<void> => {
    for (const c of closers) await c();
  };
  if (options.handleSignals ?? true) onShutdown(platform.log, close);
  return { platform, http, url: http.url, close };
}
