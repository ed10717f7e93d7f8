import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { ContainmentRunbook, EntityType, RunbookArguments } from '@soc/contracts';
import { NetworkSet } from './networks.ts';
import { isDomainName } from './values.ts';

/** A risk level, lowest to highest. */
export const RiskLevel = z.enum(['low', 'medium', 'high', 'critical']);
export type RiskLevel = z.infer<typeof RiskLevel>;

/**
 * The entity types each runbook can act on: blocking an address needs an address, isolating needs a host. A
 * runbook proposed for another type (block-ip of a URL, isolate-host of a user) is refused.
 */
export const RUNBOOK_TARGET_TYPES: Readonly<Record<ContainmentRunbook, readonly EntityType[]>> = {
  'block-ip': ['ip'],
  'nsg-block-port': ['ip'],
  'block-url': ['url', 'domain'],
  'isolate-host': ['host'],
  'disable-user': ['user'],
  'rotate-secret': ['cloud-resource'],
  'revoke-sessions': ['user'],
  'block-storage-public-access': ['cloud-resource'],
  'rotate-storage-keys': ['cloud-resource'],
  // A Logic App runbook is the customer's own: it may act on any entity the policy names it for.
  'run-logic-app': EntityType.options,
  'onboard-defender': ['cloud-resource'],
};

/** Conservative defaults of the blast-radius caps (see {@link ContainmentPolicy}). */
export const CONTAINMENT_CAP_DEFAULTS = { maxActionsPerAlert: 3, maxPerTargetPerHour: 1, maxPerTenantPerHour: 20 } as const;

/**
 * The containment section of the decision policy: when containment is proposed, which runbooks, and the targets it
 * may never touch. The decision service checks every proposal against it, and the containment service re-checks
 * just before a runbook runs, with the same pure function (`containmentRefusal`).
 */
export const ContainmentPolicy = z
  .object({
    enabled: z.boolean(),
    minLevel: RiskLevel,
    minTruePositive: z.number().min(0).max(1),
    runbookByEntity: z.partialRecord(z.enum(['ip', 'url', 'host', 'user', 'domain', 'cloud-resource']), ContainmentRunbook),
    allowedRunbooks: z.array(ContainmentRunbook),
    /**
     * The arguments each runbook is ordered with (issue 14): the port and protocol an NSG rule denies, the Logic App
     * workflow to trigger. Set here, never taken from an alert; bound into the approval's hash.
     */
    runbookArguments: z.partialRecord(ContainmentRunbook, RunbookArguments).default({}),
    /** Blocking internal addresses cuts off our own systems; off unless a team opts in. */
    internalIps: z.boolean(),
    /**
     * Asset tags (from the CMDB or inventory file, compared case-, space- and dash-insensitively) under which a
     * host is never isolated and its addresses never blocked, whoever recommends it: isolating a domain controller
     * or a plant controller is an outage the SOC must choose by hand, outside this pipeline.
     */
    noIsolateTags: z.array(z.string().min(1).max(128)).max(50).default(['never auto-isolate']),
    /**
     * Targets refused on top of the built-in list (identity providers, well-known services, public DNS resolvers):
     * your own domains (each covers its subdomains; a URL is matched by its host) and address ranges (CIDR).
     */
    protected: z
      .object({
        domains: z.array(z.string().min(1).max(253).refine((d) => isDomainName(d.replace(/^\*\./, '')), 'not a domain name')).max(1000).default([]),
        networks: z
          .array(z.string().min(1).max(64))
          .max(1000)
          .default([])
          .superRefine((ranges, ctx) => {
            const parsed = NetworkSet.parse(ranges);
            if (!parsed.ok) for (const message of parsed.errors) ctx.addIssue({ code: 'custom', message });
          }),
      })
      .strict()
      .default({ domains: [], networks: [] }),
    /** At most this many containment actions in one decision; the rest are refused, saying so. */
    maxActionsPerAlert: z.number().int().min(0).max(32).default(CONTAINMENT_CAP_DEFAULTS.maxActionsPerAlert),
    /** At most this many executions on one target (its type and value, whatever the runbook) of a tenant per hour; enforced by the containment service. */
    maxPerTargetPerHour: z.number().int().min(0).max(100).default(CONTAINMENT_CAP_DEFAULTS.maxPerTargetPerHour),
    /** At most this many executions per tenant per hour, all runbooks together; enforced by the containment service. */
    maxPerTenantPerHour: z.number().int().min(0).max(10_000).default(CONTAINMENT_CAP_DEFAULTS.maxPerTenantPerHour),
    /**
     * Runbooks that need two different approvers (four-eyes); the others need one. Enforced by the containment
     * service's request decider; the count is fixed on each request when it is asked.
     */
    fourEyesRunbooks: z.array(ContainmentRunbook).max(6).default([]),
  })
  .strict()
  .superRefine((p, ctx) => {
    for (const [type, runbook] of Object.entries(p.runbookByEntity)) {
      if (runbook !== undefined && !RUNBOOK_TARGET_TYPES[runbook].includes(type as EntityType)) {
        ctx.addIssue({ code: 'custom', path: ['runbookByEntity', type], message: `runbook ${runbook} cannot act on a ${type} (it acts on ${RUNBOOK_TARGET_TYPES[runbook].join(', ')})` });
      }
    }
  });
export type ContainmentPolicy = z.infer<typeof ContainmentPolicy>;

/**
 * The policy file shipped with SOC Copilot (the whole decision policy: suppression, notification, ticketing,
 * containment, hunting, copilot). `DECISION_POLICY_FILE` replaces it; the decision service reads all of it, the
 * containment service its `containment` section, so both decide with the same file.
 */
export const DEFAULT_POLICY_URL = new URL('../config/default-policy.json', import.meta.url);

/**
 * The `containment` section of a policy file, validated; a bad file throws with the reasons (start-up stops). The
 * rest of the file is the decision service's to check.
 */
export function loadContainmentPolicy(path: string | URL = DEFAULT_POLICY_URL): ContainmentPolicy {
  const raw = JSON.parse(readFileSync(path, 'utf8')) as { containment?: unknown };
  const parsed = ContainmentPolicy.safeParse(raw.containment);
  if (!parsed.success) {
    throw new Error(`Invalid containment section in policy ${String(path)}: ${parsed.error.issues.map((i) => `containment.${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  return parsed.data;
}
