import { StateFreezeSwitch, StateRequestLog } from '@soc/containment-requests';
import { SUBSCRIPTIONS } from '@soc/contracts';
import { DEFAULT_POLICY_URL, containmentRefusal, loadContainmentPolicy } from '@soc/guardrails';
import type { ServiceModule } from '@soc/platform';
import { readFileSync } from 'node:fs';
import type { ContainmentRunbook } from '@soc/contracts';
import { ConfiguredRunbooks } from './adapters/configured-runbooks.ts';
import { defenderRunbooks } from './adapters/defender/defender-adapters.ts';
import { DefaultAzureCredential } from '@azure/identity';
import { ClientSecretDefenderCredential, DefenderClient, type DefenderCredential } from './adapters/defender/defender-client.ts';
import { DefenderIndicatorRunbook } from './adapters/defender/defender-indicator-runbook.ts';
import { DefenderIsolateHostRunbook } from './adapters/defender/defender-runbook.ts';
import { armRunbooksFromEnv } from './adapters/arm/index.ts';
import { defenderForServersRunbooksFromEnv, keyVaultRunbooksFromEnv, logicAppRunbooksFromEnv } from './adapters/automation/index.ts';
import { entraRunbooksFromEnv } from './adapters/entra/index.ts';
import { ContainmentConfig } from './config.ts';
import { makeContainmentHandler, verifyScheduleOf } from './handler.ts';
import type { RunbookAdapter } from './ports.ts';

/**
 * The Defender for Endpoint runbooks (isolate-host, block-ip, block-url): an app registration's client secret when
 * DEFENDER_TENANT_ID, DEFENDER_CLIENT_ID and DEFENDER_CLIENT_SECRET_FILE are set, else `DefaultAzureCredential`
 * (workload identity on AKS: the identity needs the same application permissions on the WindowsDefenderATP API).
 */
function defenderOf(config: ContainmentConfig): Partial<Record<ContainmentRunbook, RunbookAdapter>> {
  let credential: DefenderCredential;
  if (config.DEFENDER_TENANT_ID !== undefined && config.DEFENDER_CLIENT_ID !== undefined && config.DEFENDER_CLIENT_SECRET_FILE !== undefined) {
    const clientSecret = readFileSync(config.DEFENDER_CLIENT_SECRET_FILE, 'utf8').trim();
    if (clientSecret === '') throw new Error('DEFENDER_CLIENT_SECRET_FILE: the file is empty');
    credential = new ClientSecretDefenderCredential({
      tenantId: config.DEFENDER_TENANT_ID,
      clientId: config.DEFENDER_CLIENT_ID,
      clientSecret,
      ...(config.DEFENDER_AUTHORITY_HOST !== undefined ? { authorityHost: config.DEFENDER_AUTHORITY_HOST } : {}),
    });
  } else {
    credential = new DefaultAzureCredential();
  }
  const client = new DefenderClient({ credential, ...(config.DEFENDER_API_BASE_URL !== undefined ? { baseUrl: config.DEFENDER_API_BASE_URL } : {}) });
  return defenderRunbooks({ isolateHost: new DefenderIsolateHostRunbook(client, { defaultIsolation: config.DEFENDER_ISOLATION_TYPE }), indicators: new DefenderIndicatorRunbook(client) });
}

/** Which family of adapters runs each runbook, and how a family is built from its own settings. */
const FAMILIES: readonly { runbooks: readonly ContainmentRunbook[]; build: (config: ContainmentConfig, env: Record<string, string | undefined>) => Partial<Record<ContainmentRunbook, RunbookAdapter>> }[] = [
  { runbooks: ['isolate-host', 'block-ip', 'block-url'], build: (config) => defenderOf(config) },
  { runbooks: ['disable-user', 'revoke-sessions'], build: (_c, env) => entraRunbooksFromEnv(env) },
  { runbooks: ['nsg-block-port', 'block-storage-public-access', 'rotate-storage-keys'], build: (_c, env) => armRunbooksFromEnv(env) },
  { runbooks: ['rotate-secret'], build: (_c, env) => keyVaultRunbooksFromEnv(env) },
  { runbooks: ['run-logic-app'], build: (_c, env) => logicAppRunbooksFromEnv(env) },
  { runbooks: ['onboard-defender'], build: (_c, env) => defenderForServersRunbooksFromEnv(env) },
];

/**
 * The real runbooks of the allow-list: only the families of runbooks enabled for real execution are built, so a
 * runbook left as a dry run needs no settings, and an enabled one without its settings stops the start with its reason.
 */
export function realRunbooksOf(config: ContainmentConfig, allowed: readonly ContainmentRunbook[]): Partial<Record<ContainmentRunbook, RunbookAdapter>> {
  const env = Object.fromEntries(Object.entries(config).filter(([, v]) => typeof v === 'string')) as Record<string, string>;
  const out: Partial<Record<ContainmentRunbook, RunbookAdapter>> = {};
  for (const family of FAMILIES) {
    if (!family.runbooks.some((r) => allowed.includes(r))) continue;
    const built = family.build(config, env);
    for (const r of family.runbooks) if (allowed.includes(r) && built[r] !== undefined) out[r] = built[r];
  }
  return out;
}

/** Composition of the containment service (embedded default: dry-run runbooks; real ones by configuration, one at a time). */
export const containmentService: ServiceModule<ContainmentConfig> = {
  name: 'containment',
  config: ContainmentConfig,
  async start(platform, config) {
    // The policy the decision applies, read from the same file: four-eyes, hourly caps and the target rules.
    const policy = loadContainmentPolicy(config.DECISION_POLICY_FILE ?? DEFAULT_POLICY_URL);
    const fourEyes = new Set(policy.fourEyesRunbooks);
    const internalNetworks = platform.env.SOC_INTERNAL_NETWORKS;
    const allowed = config.CONTAINMENT_DRY_RUN === 'false' ? config.CONTAINMENT_EXECUTE_RUNBOOKS : [];
    const planned = [...new Set([...allowed, ...config.CONTAINMENT_PLAN_RUNBOOKS])];
    const consumer = platform.bus.subscribe(
      { subscription: SUBSCRIPTIONS.containment.name, maxConcurrency: platform.env.BUS_MAX_CONCURRENCY },
      makeContainmentHandler({
        requests: new StateRequestLog(platform.state),
        freeze: new StateFreezeSwitch(platform.state),
        audit: platform.audit,
        runbooks: new ConfiguredRunbooks(allowed, realRunbooksOf(config, planned), planned),
        clock: platform.clock,
        approvalTtlMs: config.CONTAINMENT_APPROVAL_TTL_MINUTES * 60_000,
        approvalsRequired: (runbook) => (fourEyes.has(runbook) ? 2 : 1),
        // The decision's own target check, again, on the facts it was decided on and under the policy in force.
        recheck: async (request) =>
          request.decidedOn === undefined
            ? 'the request records no facts it was decided on (asked before they were recorded); a new decision asks again'
            : containmentRefusal({ runbook: request.runbook, target: request.target }, { ...request.decidedOn, internalNetworks }, policy),
        limits: { perTargetPerHour: policy.maxPerTargetPerHour, perTenantPerHour: policy.maxPerTenantPerHour },
        verifySchedule: verifyScheduleOf(config.CONTAINMENT_VERIFY_INTERVAL_SECONDS, config.CONTAINMENT_VERIFY_MAX_CHECKS),
      }),
    );
    return { close: () => consumer.close() };
  },
};
