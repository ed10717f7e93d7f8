import { DefaultAzureCredential } from '@azure/identity';
import type { AuditTrail } from '@soc/audit';
import { type KqlPolicy, createKqlGuard, defaultKqlPolicy, loadKqlPolicy } from '@soc/kql';
import type { Logger } from '@soc/observability';
import type { Clock } from '@soc/runtime';
import type { StateStore } from '@soc/state';
import { type LogsCredential, LogAnalyticsExecutor } from './adapters/log-analytics-executor.ts';
import { StateKqlAuditLog } from './adapters/state-kql-audit-log.ts';
import { ValidateOnlyExecutor } from './adapters/validate-only-executor.ts';
import type { LogAnalyticsConfig } from './config.ts';
import type { KqlAuditLog } from './audit.ts';
import type { KqlExecutor } from './executor.ts';
import type { KqlGuard, QueryGuard } from './kql-guard.ts';

/** What {@link openKqlExecutor} needs besides configuration. */
export interface OpenKqlExecutorDeps {
  readonly state: StateStore;
  readonly log: Logger;
  readonly clock: Clock;
  /**
   * Default: `@soc/kql`'s guard with {@link kqlPolicyOf} the configuration, built on the first query. A service that
   * answers requests passes `HuntThread` (`@soc/hunt`), so checks run off its event loop.
   */
  readonly guard?: QueryGuard;
  /** The tamper-evident audit trail (`platform.audit`) every run is chained into; a run that cannot be chained is not run. */
  readonly trail?: AuditTrail;
  /** Default `DefaultAzureCredential` (workload identity on AKS, managed identity, Azure CLI locally). */
  readonly credential?: LogsCredential;
}

/** An executor, the audit trail it writes, and the guard it checks with (for callers that only validate). */
export interface KqlExecution {
  readonly executor: KqlExecutor;
  readonly audit: KqlAuditLog;
  readonly guard: QueryGuard;
}

/** The KQL policy of the configuration: KQL_POLICY_FILE, else the built-in one. A bad file throws CONFIGURATION_INVALID. */
export function kqlPolicyOf(config: Pick<LogAnalyticsConfig, 'KQL_POLICY_FILE'>): KqlPolicy {
  return config.KQL_POLICY_FILE === undefined ? defaultKqlPolicy : loadKqlPolicy(config.KQL_POLICY_FILE);
}

/**
 * The executor configuration selects: Log Analytics when LOG_ANALYTICS_WORKSPACE_ID is set, else the validate-only
 * embedded default. Both audit into the state store. A bad KQL_POLICY_FILE stops start-up (CONFIGURATION_INVALID).
 */
export function openKqlExecutor(config: LogAnalyticsConfig, deps: OpenKqlExecutorDeps): KqlExecution {
  const audit = new StateKqlAuditLog(deps.state, { retentionDays: config.KQL_AUDIT_RETENTION_DAYS, ...(deps.trail ? { trail: deps.trail } : {}) });
  // The policy is read now, so a bad file stops start-up; the guard is built on the first query, so a process that
  // never hunts never loads Kusto.Language (about a second and tens of MB).
  const policy = kqlPolicyOf(config);
  let built: KqlGuard | undefined;
  const guard: QueryGuard = deps.guard ?? { check: (query) => (built ??= createKqlGuard(policy)).check(query) };
  const common = { guard, audit, clock: deps.clock, log: deps.log };
  if (config.LOG_ANALYTICS_WORKSPACE_ID === undefined) return { executor: new ValidateOnlyExecutor(common), audit, guard };
  const executor = new LogAnalyticsExecutor({
    ...common,
    workspaceId: config.LOG_ANALYTICS_WORKSPACE_ID,
    credential: deps.credential ?? new DefaultAzureCredential(),
    ...(config.LOG_ANALYTICS_ENDPOINT !== undefined ? { endpoint: config.LOG_ANALYTICS_ENDPOINT } : {}),
    timeoutSeconds: config.LOG_ANALYTICS_TIMEOUT_SECONDS,
    maxThrottleRetries: config.LOG_ANALYTICS_MAX_THROTTLE_RETRIES,
    maxRetryWaitSeconds: config.LOG_ANALYTICS_MAX_RETRY_WAIT_SECONDS,
  });
  return { executor, audit, guard };
}
