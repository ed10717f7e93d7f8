import { join } from 'node:path';
import { type AuditLog, DEFAULT_AUDIT_LANES, StateAuditTrail } from '@soc/audit';
import { ALL_SUBSCRIPTIONS } from '@soc/contracts';
import { type Bus, type BusConfig, openBus } from '@soc/bus';
import { type Logger, type SocMetrics, createBusObserver, createLogger, createMetrics } from '@soc/observability';
import { type Clock, systemClock } from '@soc/runtime';
import { type StateStore, type StateStoreConfig, openStateStore } from '@soc/state';
import type { Role, TenantGrant } from '@soc/http';
import type { PlatformEnv } from './env.ts';
import { type NamedToken, describePrincipals, resolveApiRoles, resolveApiTenants, resolveApiTokens } from './tokens.ts';

/** Everything a service's `start` gets from its host: adapters chosen by configuration, and observability. */
export interface Platform {
  readonly env: PlatformEnv;
  readonly log: Logger;
  readonly metrics: SocMetrics;
  readonly bus: Bus;
  readonly state: StateStore;
  /**
   * The tamper-evident audit log on `state`, one per process, shared by every service it hosts (so appends to one
   * stream queue in-process instead of racing). A rejected append means the guarded action does not happen.
   */
  readonly audit: AuditLog;
  readonly clock: Clock;
  readonly apiTokens: readonly NamedToken[];
  /** The roles of each API principal (SOC_API_ROLES); a principal not in it has none. */
  readonly apiRoles: ReadonlyMap<string, readonly Role[]>;
  /** The tenants of each API principal (SOC_API_TENANTS; SOC_TENANT_ID for one it does not name): what it may see. */
  readonly apiTenants: ReadonlyMap<string, TenantGrant>;
  /** Closes the bus, then the state store. */
  close(): Promise<void>;
}

/**
 * Fields the case view and services filter or order by; SQLite gets an expression index on each. `time`: the api's
 * live updates read the newest case events by time every few seconds while a console watches (a scan otherwise).
 */
const INDEXED_FIELDS = ['alertId', 'requestId', 'receivedAt', 'time'];
/** Fields only filtered by equality, in one collection each: partial indexes, free for every other document. */
const FILTER_FIELDS = ['receivedHour', 'receivedMinute', 'auditPage', 'stage', 'searchToken', 'entityKey'];

/** The bus configuration the environment selects. */
export function busConfigOf(env: PlatformEnv): BusConfig {
  const retry = { maxDeliveryCount: env.BUS_MAX_DELIVERY_COUNT, lockDurationMs: env.BUS_LOCK_DURATION_MS };
  switch (env.SOC_BUS) {
    case 'memory':
      return { kind: 'memory', retry };
    case 'sqlite':
      return { kind: 'sqlite', path: env.SOC_BUS_FILE ?? join(env.SOC_DATA_DIR, 'bus.sqlite'), retry };
    case 'servicebus':
      return {
        kind: 'servicebus',
        topic: env.SERVICEBUS_TOPIC,
        manageTopology: env.SERVICEBUS_MANAGE_TOPOLOGY,
        retry,
        ...(env.SERVICEBUS_CONNECTION_STRING ? { connectionString: env.SERVICEBUS_CONNECTION_STRING } : {}),
        ...(env.SERVICEBUS_NAMESPACE ? { fullyQualifiedNamespace: env.SERVICEBUS_NAMESPACE } : {}),
      };
  }
}

/** The state store configuration the environment selects. */
export function stateConfigOf(env: PlatformEnv): StateStoreConfig {
  switch (env.SOC_STATE) {
    case 'memory':
      return { kind: 'memory' };
    case 'sqlite':
      return { kind: 'sqlite', path: env.SOC_STATE_FILE ?? join(env.SOC_DATA_DIR, 'state.sqlite'), indexedFields: INDEXED_FIELDS, filterFields: FILTER_FIELDS };
    case 'cosmos':
      return {
        kind: 'cosmos',
        endpoint: env.COSMOS_ENDPOINT ?? '',
        database: env.COSMOS_DATABASE,
        container: env.COSMOS_CONTAINER,
        createIfNotExists: env.COSMOS_CREATE_IF_NOT_EXISTS,
        ...(env.COSMOS_KEY ? { key: env.COSMOS_KEY } : {}),
      };
  }
}

/** Options of {@link openPlatform}. */
export interface OpenPlatformOptions {
  clock?: Clock;
  /** Where log lines go (tests); default stdout. */
  logDestination?: Parameters<typeof createLogger>[0]['destination'];
}

/**
 * Opens logging, metrics, the bus (declaring the whole subscription topology) and the state store for a
 * process. The one place that turns configuration into adapters.
 */
export async function openPlatform(name: string, env: PlatformEnv, options: OpenPlatformOptions = {}): Promise<Platform> {
  const log = createLogger({ service: name, level: env.LOG_LEVEL, ...(options.logDestination ? { destination: options.logDestination } : {}) });
  const clock = options.clock ?? systemClock;
  const metrics = createMetrics({ service: name });
  const { tokens, generatedAt } = resolveApiTokens(env);
  if (generatedAt) log.warn({ tokenFile: generatedAt }, 'no SOC_API_TOKEN configured: using the generated token stored in this file');
  const apiRoles = resolveApiRoles(env, tokens);
  const apiTenants = resolveApiTenants(env, tokens);
  const principals = describePrincipals({ apiTokens: tokens, apiRoles });
  const roleless = principals.filter((p) => p.roles.length === 0).map((p) => p.name);
  if (roleless.length > 0) log.warn({ principals: roleless }, 'these API principals have no role in SOC_API_ROLES: every /api route answers them 403');
  const state = await openStateStore(stateConfigOf(env), { clock, onBackgroundError: (err) => log.warn({ err }, 'state store maintenance failed') });
  const bus = await openBus(busConfigOf(env), { observer: createBusObserver({ logger: log, metrics }), clock, logger: log });
  await bus.ensureTopology(ALL_SUBSCRIPTIONS);
  metrics.observeQueueDepth(() => bus.depth());
  return {
    env,
    log,
    metrics,
    bus,
    state,
    audit: new StateAuditTrail(state, { clock, lanes: DEFAULT_AUDIT_LANES }),
    clock,
    apiTokens: tokens,
    apiRoles,
    apiTenants,
    close: async () => {
      await bus.close();
      await state.close();
    },
  };
}
