import { readFileSync } from 'node:fs';
import { SUBSCRIPTIONS } from '@soc/contracts';
import { EntraClientSecretCredential, httpsOrLoopbackUrl } from '@soc/outbound';
import type { ServiceModule } from '@soc/platform';
import { AppError, ErrorCode, breaker } from '@soc/runtime';
import { ClaimedTicketSystem } from './adapters/claimed-ticket-system.ts';
import { ServiceNowFieldMapping } from './adapters/servicenow-mapping.ts';
import { type ServiceNowAuth, ServiceNowTicketSystem, serviceNowInstanceUrl } from './adapters/servicenow-ticket-system.ts';
import { GraphAlertWriter } from './adapters/graph-alert-writer.ts';
import type { AzureCredential } from './adapters/azure-http.ts';
import { SentinelIncidentWriter } from './adapters/sentinel-incident-writer.ts';
import { StateWriteBackLedger } from './adapters/state-writeback-ledger.ts';
import { StateGroupCounter } from './adapters/state-group-counter.ts';
import { StateGroupLifecycleStore } from './adapters/state-group-lifecycle.ts';
import { StateTicketSystem } from './adapters/state-ticket-system.ts';
import { type TicketBreakerHandle, withBreaker } from './adapters/with-breaker.ts';
import { TicketingConfig } from './config.ts';
import { makeTicketingHandler } from './handler.ts';
import { makeLifecycleHandler } from './lifecycle-handler.ts';
import type { TicketSystem, WriteBackLedger } from './ports.ts';
import { type SiemWriteBackDeps, makeSiemWriteBackHandler } from './siem-writeback.ts';

/** The field mapping: the JSON file when one is named, then the single-field variables over it. */
export function serviceNowMappingOf(config: TicketingConfig): ServiceNowFieldMapping {
  let raw: unknown = {};
  const file = config.SERVICENOW_FIELD_MAPPING_FILE;
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new AppError(ErrorCode.CONFIGURATION_INVALID, `SERVICENOW_FIELD_MAPPING_FILE=${file} is not a readable JSON file`, { retryable: false, cause: error });
    }
  }
  const parsed = ServiceNowFieldMapping.safeParse(raw);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `  - ${i.path.join('.') || '(root)'}: ${i.message}`).join('\n');
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, `SERVICENOW_FIELD_MAPPING_FILE=${file} is not a valid field mapping:\n${problems}`, { retryable: false });
  }
  return {
    ...parsed.data,
    ...(config.SERVICENOW_ASSIGNMENT_GROUP ? { assignmentGroup: config.SERVICENOW_ASSIGNMENT_GROUP } : {}),
    ...(config.SERVICENOW_CATEGORY ? { category: config.SERVICENOW_CATEGORY } : {}),
    ...(config.SERVICENOW_CALLER_ID ? { callerId: config.SERVICENOW_CALLER_ID } : {}),
  };
}

/** The ServiceNow adapter of a checked configuration (`TICKET_SYSTEM=servicenow`). */
export function serviceNowTicketSystemOf(config: TicketingConfig, fetch?: typeof globalThis.fetch): ServiceNowTicketSystem {
  const auth: ServiceNowAuth = config.SERVICENOW_CLIENT_ID
    ? { kind: 'oauth', clientId: config.SERVICENOW_CLIENT_ID, clientSecret: config.SERVICENOW_CLIENT_SECRET ?? '' }
    : { kind: 'basic', username: config.SERVICENOW_USERNAME ?? '', password: config.SERVICENOW_PASSWORD ?? '' };
  return new ServiceNowTicketSystem({
    instanceUrl: serviceNowInstanceUrl(config.SERVICENOW_INSTANCE_URL ?? ''),
    auth,
    mapping: serviceNowMappingOf(config),
    timeoutMs: config.SERVICENOW_TIMEOUT_MS,
    ...(fetch ? { fetch } : {}),
  });
}

/**
 * The write-back's credential: the shared client-secret credential when SIEM_WRITEBACK_TENANT_ID, _CLIENT_ID and
 * _CLIENT_SECRET_FILE are set (the secret read once, at start-up), else `DefaultAzureCredential` (workload identity).
 */
async function siemCredentialOf(config: TicketingConfig): Promise<AzureCredential> {
  const { SIEM_WRITEBACK_TENANT_ID: tenantId, SIEM_WRITEBACK_CLIENT_ID: clientId, SIEM_WRITEBACK_CLIENT_SECRET_FILE: secretFile } = config;
  if (tenantId === undefined || clientId === undefined || secretFile === undefined) return new (await import('@azure/identity')).DefaultAzureCredential();
  let clientSecret: string;
  try {
    clientSecret = readFileSync(secretFile, 'utf8').trim();
  } catch (error) {
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, `SIEM_WRITEBACK_CLIENT_SECRET_FILE=${secretFile} cannot be read`, { retryable: false, cause: error });
  }
  if (clientSecret === '') throw new AppError(ErrorCode.CONFIGURATION_INVALID, `SIEM_WRITEBACK_CLIENT_SECRET_FILE=${secretFile} is empty`, { retryable: false });
  return new EntraClientSecretCredential({
    tenantId,
    clientId,
    clientSecret,
    purpose: 'SIEM write-back',
    refusalHint: 'check SIEM_WRITEBACK_TENANT_ID, SIEM_WRITEBACK_CLIENT_ID and the secret in SIEM_WRITEBACK_CLIENT_SECRET_FILE',
    timeoutMs: config.SIEM_WRITEBACK_TIMEOUT_MS,
    ...(config.SIEM_WRITEBACK_AUTHORITY_HOST !== undefined ? { authorityHost: config.SIEM_WRITEBACK_AUTHORITY_HOST } : {}),
  });
}

/**
 * The SIEM write-back of a checked configuration: nothing when `SIEM_WRITEBACK=off` (the subscription is still
 * drained), else the Sentinel writer for the configured workspace and the Graph writer when `SIEM_WRITEBACK_GRAPH=on`,
 * at SENTINEL_ARM_BASE_URL and SIEM_WRITEBACK_GRAPH_BASE_URL with the configured credential. `deps` override those (tests).
 */
export async function siemWriteBackOf(
  config: TicketingConfig,
  ledger: WriteBackLedger,
  deps: { credential?: AzureCredential; fetch?: typeof globalThis.fetch; armBaseUrl?: string; graphBaseUrl?: string } = {},
): Promise<SiemWriteBackDeps & { breakers: readonly TicketBreakerHandle[] }> {
  if (config.SIEM_WRITEBACK === 'off') return { ledger, breakers: [] };
  const credential = deps.credential ?? (await siemCredentialOf(config));
  const common = { credential, timeoutMs: config.SIEM_WRITEBACK_TIMEOUT_MS, ...(deps.fetch ? { fetch: deps.fetch } : {}) };
  // One breaker per service; its timeout leaves the request's own timeout to fire first (a token fetch included).
  // (A status write-back to Sentinel is a GET and a PUT, the same budget.)
  const guard = (name: string) => {
    const guarded = breaker((op: () => Promise<unknown>): Promise<unknown> => op(), { name, timeoutMs: 2 * config.SIEM_WRITEBACK_TIMEOUT_MS + 1_000 });
    return Object.assign(<T>(op: () => Promise<T>): Promise<T> => guarded(op) as Promise<T>, { breaker: guarded.breaker });
  };
  const { SENTINEL_SUBSCRIPTION_ID: subscriptionId, SENTINEL_RESOURCE_GROUP: resourceGroup, SENTINEL_WORKSPACE_NAME: workspace } = config;
  const out: SiemWriteBackDeps & { breakers: TicketBreakerHandle[] } = { ledger, breakers: [] };
  if (subscriptionId && resourceGroup && workspace) {
    const writer = new SentinelIncidentWriter({ ...common, baseUrl: deps.armBaseUrl ?? httpsOrLoopbackUrl(config.SENTINEL_ARM_BASE_URL, 'SENTINEL_ARM_BASE_URL') });
    const guarded = guard('sentinel-writeback');
    out.workspace = { subscriptionId, resourceGroup, workspace };
    out.sentinel = { putComment: (incident, commentId, message) => guarded(() => writer.putComment(incident, commentId, message)) };
    if (config.SIEM_WRITEBACK_STATUS === 'on') {
      (out.status ??= {}).sentinel = {
        close: (incident, closure, comment) => guarded(() => writer.close(incident, closure, comment)),
        reopenOwnClosure: (incident) => guarded(() => writer.reopenOwnClosure(incident)),
      };
    }
    out.breakers.push(guarded.breaker);
  }
  if (config.SIEM_WRITEBACK_GRAPH === 'on') {
    const writer = new GraphAlertWriter({ ...common, baseUrl: deps.graphBaseUrl ?? httpsOrLoopbackUrl(config.SIEM_WRITEBACK_GRAPH_BASE_URL, 'SIEM_WRITEBACK_GRAPH_BASE_URL') });
    const guarded = guard('graph-writeback');
    out.graph = { postComment: (alertId, comment) => guarded(() => writer.postComment(alertId, comment)) };
    if (config.SIEM_WRITEBACK_STATUS === 'on') (out.status ??= {}).graph = { updateAlert: (alertId, verdict, comment) => guarded(() => writer.updateAlert(alertId, verdict, comment)) };
    out.breakers.push(guarded.breaker);
  }
  return out;
}

/** Composition of the ticketing service: local tickets always (embedded default), ServiceNow when configured. */
export const ticketingService: ServiceModule<TicketingConfig> = {
  name: 'ticketing',
  config: TicketingConfig,
  async start(platform, config) {
    const systems: TicketSystem[] = [new StateTicketSystem(platform.state, () => platform.clock.now())];
    // A look-up, then a create or an update: the breaker gives the whole operation three request timeouts.
    const servicenow =
      config.TICKET_SYSTEM === 'servicenow' ? withBreaker(serviceNowTicketSystemOf(config), { name: 'servicenow', timeoutMs: 3 * config.SERVICENOW_TIMEOUT_MS + 1_000 }) : undefined;
    // Its look-up-then-create is not atomic: a claim per case group's ticket keeps overlapping deliveries from both creating.
    if (servicenow) systems.push(new ClaimedTicketSystem(servicenow, platform.state, { now: () => platform.clock.now(), leaseMs: platform.env.BUS_LOCK_DURATION_MS }));
    const closeCodes = config.TICKET_SYSTEM === 'servicenow' ? serviceNowMappingOf(config).closeCodes : undefined;
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.ticketing.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeTicketingHandler({ systems, groups: new StateGroupCounter(platform.state), clock: platform.clock }),
    );
    // The case group's ticket resolved and reopened by analysts' dispositions, on its own subscription.
    const lifecycle = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.ticketingLifecycle.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeLifecycleHandler({
        systems,
        lifecycles: new StateGroupLifecycleStore(platform.state),
        closeCode: (system, resolution) => (system === 'servicenow' && closeCodes ? closeCodes[resolution] : resolution),
        clock: platform.clock,
      }),
    );
    const writeBack = await siemWriteBackOf(
      config,
      new StateWriteBackLedger(platform.state, () => platform.clock.now(), { leaseMs: platform.env.BUS_LOCK_DURATION_MS }),
    );
    const siem = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.ticketingSiemWriteback.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeSiemWriteBackHandler(writeBack),
    );
    if (config.SIEM_WRITEBACK === 'on')
      platform.log.info({ sentinel: writeBack.sentinel !== undefined, graph: writeBack.graph !== undefined, status: config.SIEM_WRITEBACK_STATUS }, 'SIEM write-back configured');
    return {
      close: async () => {
        await Promise.all([consumer.close(), lifecycle.close(), siem.close()]);
        servicenow?.breaker.shutdown();
        for (const b of writeBack.breakers) b.shutdown();
      },
    };
  },
};
