import { readFileSync } from 'node:fs';
import { SUBSCRIPTIONS } from '@soc/contracts';
import type { ServiceModule } from '@soc/platform';
import { AppError, ErrorCode } from '@soc/runtime';
import { ServiceNowFieldMapping } from './adapters/servicenow-mapping.ts';
import { type ServiceNowAuth, ServiceNowTicketSystem, serviceNowInstanceUrl } from './adapters/servicenow-ticket-system.ts';
import { StateGroupCounter } from './adapters/state-group-counter.ts';
import { StateTicketSystem } from './adapters/state-ticket-system.ts';
import { withBreaker } from './adapters/with-breaker.ts';
import { TicketingConfig } from './config.ts';
import { makeTicketingHandler } from './handler.ts';
import type { TicketSystem } from './ports.ts';

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

/** Composition of the ticketing service: local tickets always (embedded default), ServiceNow when configured. */
export const ticketingService: ServiceModule<TicketingConfig> = {
  name: 'ticketing',
  config: TicketingConfig,
  async start(platform, config) {
    const systems: TicketSystem[] = [new StateTicketSystem(platform.state, () => platform.clock.now())];
    // A look-up, then a create or an update: the breaker gives the whole operation three request timeouts.
    const servicenow =
      config.TICKET_SYSTEM === 'servicenow' ? withBreaker(serviceNowTicketSystemOf(config), { name: 'servicenow', timeoutMs: 3 * config.SERVICENOW_TIMEOUT_MS + 1_000 }) : undefined;
    if (servicenow) systems.push(servicenow);
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.ticketing.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeTicketingHandler({ systems, groups: new StateGroupCounter(platform.state), clock: platform.clock }),
    );
    return {
      close: async () => {
        await consumer.close();
        servicenow?.breaker.shutdown();
      },
    };
  },
};
