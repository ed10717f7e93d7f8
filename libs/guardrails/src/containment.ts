import type { Alert, ContainmentRunbook, Enrichment, Entity, Fact } from '@soc/contracts';
import { type InternalNetworks, NetworkSet, bareAddress } from './networks.ts';
import { type ContainmentPolicy, RUNBOOK_TARGET_TYPES } from './policy.ts';
import { BUILTIN_PROTECTED_DOMAINS, builtinProtectedNetworks, protectedDomainOf } from './protected.ts';
import { urlHost, valueProblem } from './values.ts';

/** A proposed containment: a runbook and the entity of the alert it would act on. */
export interface ContainmentProposal {
  runbook: ContainmentRunbook;
  target: { entityId: string; type: string; value: string };
}

/** What a containment is checked against: the alert, what enrichment found about it, and the internal ranges. */
export interface ContainmentContext {
  alert: Alert;
  enrichment: Enrichment;
  /** The platform's internal ranges (`SOC_INTERNAL_NETWORKS`); the entity's own `isInternal` flag is never read. */
  internalNetworks: InternalNetworks;
}

/**
 * Enrichment sources that know nothing about the organisation's machines and people (threat intelligence): one of
 * them being unavailable leaves the inventory whole. Any other missing source — an asset or user directory, the
 * facts cut to fit the budget, a source of a name not listed here — may have held a protecting tag.
 */
export const NON_INVENTORY_SOURCES: readonly string[] = ['virustotal', 'misp', 'local-feeds'];

const tagKey = (tag: string): string => tag.trim().toLowerCase().replace(/[\s_-]+/g, ' ');
const shortName = (host: string): string => host.trim().toLowerCase().replace(/\.$/, '').split('.')[0] ?? '';
const text = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);

const compiled = new WeakMap<ContainmentPolicy, NetworkSet>();
/** The policy's protected ranges, parsed once per policy object (the schema has validated them). */
function protectedNetworksOf(policy: ContainmentPolicy): NetworkSet {
  let set = compiled.get(policy);
  if (set === undefined) compiled.set(policy, (set = NetworkSet.of(policy.protected.networks)));
  return set;
}

/**
 * Why the runbook may not act on its target, or undefined when it may. Pure; the same check runs when the decision
 * is made and again just before a runbook executes. A target must be:
 * - an entity of this alert (same id, type and value) that the source product named (`origin: 'source'`), never one
 *   extracted from free text the attacker wrote;
 * - of a type the runbook acts on ({@link RUNBOOK_TARGET_TYPES}), with a value valid for that type;
 * - not protected: the built-in identity providers, well-known services and public resolvers, the policy's own
 *   domains and ranges, and internal addresses (computed from `internalNetworks`, never the sender's flag) unless
 *   the policy opts in;
 * - for a host, an internal address or a user: known to the inventory, with no `noIsolateTags` tag on its record
 *   (matched by entity, address, or short host name, so another DNS suffix finds the same machine), and no inventory
 *   source missing from the enrichment. Without that knowledge the target is treated as protected (fail closed).
 */
export function containmentRefusal(action: ContainmentProposal, context: ContainmentContext, policy: ContainmentPolicy): string | undefined {
  if (!policy.enabled) return 'containment is disabled by policy';
  if (!policy.allowedRunbooks.includes(action.runbook)) return `runbook ${action.runbook} is not allowed`;
  const target = context.alert.entities.find((e) => e.id === action.target.entityId);
  if (!target || target.value !== action.target.value || target.type !== action.target.type) return `target ${action.target.entityId} is not an entity of this alert`;
  if (target.origin !== 'source') {
    return `target ${target.value} was extracted from the alert's free text, not named by the source product; only entities the source named can be contained`;
  }
  const fits = RUNBOOK_TARGET_TYPES[action.runbook];
  if (!fits.includes(target.type)) return `runbook ${action.runbook} acts on ${fits.join(' or ')}, not on the ${target.type} ${target.value}`;
  const problem = valueProblem(target.type, target.value, target.type === 'hash' ? target.algorithm : undefined);
  if (problem !== undefined) return `target ${target.value} ${problem}`;
  switch (target.type) {
    case 'ip':
      return addressRefusal(target, target.value, context, policy);
    case 'url': {
      const host = urlHost(target.value) ?? '';
      return bareAddress(host) !== undefined ? addressRefusal(target, host, context, policy) : domainRefusal(target.value, host, policy);
    }
    case 'domain':
      return domainRefusal(target.value, target.value, policy);
    case 'host':
      return bareAddress(target.value) !== undefined
        ? addressRefusal(target, target.value, context, policy) ?? inventoryRefusal(target, context, policy, 'asset')
        : inventoryRefusal(target, context, policy, 'asset');
    case 'user':
      return inventoryRefusal(target, context, policy, 'user');
    // A cloud resource (rotate-secret) is the only other type a runbook acts on; the rest never get this far.
    case 'cloud-resource':
    case 'file':
    case 'hash':
    case 'mailbox':
    case 'process':
    case 'registry':
      return undefined;
  }
}

function domainRefusal(value: string, host: string, policy: ContainmentPolicy): string | undefined {
  const own = protectedDomainOf(host, policy.protected.domains);
  if (own !== undefined) return `target ${value} is a protected domain (${own}, containment.protected.domains)`;
  const known = protectedDomainOf(host, BUILTIN_PROTECTED_DOMAINS);
  return known === undefined ? undefined : `target ${value} is a protected domain (${known}: an identity provider or well-known service)`;
}

function addressRefusal(target: Entity, address: string, context: ContainmentContext, policy: ContainmentPolicy): string | undefined {
  if (builtinProtectedNetworks.has(address)) return `target ${target.value} is a protected address (a public DNS resolver or well-known service)`;
  if (protectedNetworksOf(policy).has(address)) return `target ${target.value} is a protected address (containment.protected.networks)`;
  if (!context.internalNetworks.has(address)) return undefined;
  if (!policy.internalIps) return `target ${target.value} is an internal address`;
  // Blocking an internal address takes its machine off the network: the machine's record must allow it.
  return inventoryRefusal(target, context, policy, 'asset');
}

/** The asset or user facts that describe `target`: its own, and for machines those naming its address or short host name. */
function recordsOf(target: Entity, facts: readonly Fact[], kind: 'asset' | 'user'): Fact[] {
  const names = new Set<string>();
  const addresses = new Set<string>();
  if (target.type === 'host') {
    for (const n of [target.value, target.hostname, target.fqdn]) if (n !== undefined && bareAddress(n) === undefined) names.add(shortName(n));
    if (bareAddress(target.value) !== undefined) addresses.add(target.value);
  }
  if (target.type === 'ip') addresses.add(target.value);
  return facts.filter((f) => {
    if (f.kind !== kind) return false;
    if (f.entityId === target.id) return true;
    if (kind !== 'asset') return false;
    const a = f.attributes;
    const factNames = [text(a.hostname), text(a.fqdn)].filter((n): n is string => n !== undefined).map(shortName);
    const factIps = (text(a.ips) ?? '').split(',').map((s) => s.trim());
    return factNames.some((n) => names.has(n)) || factIps.some((ip) => addresses.has(ip));
  });
}

function inventoryRefusal(target: Entity, context: ContainmentContext, policy: ContainmentPolicy, kind: 'asset' | 'user'): string | undefined {
  const what = kind === 'asset' ? (target.type === 'host' ? 'host' : 'address') : 'user';
  const records = recordsOf(target, context.enrichment.facts, kind);
  if (kind === 'asset') {
    const protectedTags = new Set(policy.noIsolateTags.map(tagKey));
    for (const fact of records) {
      const tags = typeof fact.attributes.tags === 'string' ? fact.attributes.tags.split(',') : [];
      const hit = tags.find((t) => protectedTags.has(tagKey(t)));
      if (hit !== undefined) {
        const via = fact.entityId === target.id ? '' : ` (matched by ${target.type === 'ip' ? 'address' : 'short host name'} via ${fact.entityId ?? 'another entity'})`;
        return `${what} ${target.value} is tagged '${hit.trim()}' in ${fact.source} (fact ${fact.id})${via}; contain it by hand if it must be`;
      }
    }
  }
  const gaps = context.enrichment.missing.filter((m) => !NON_INVENTORY_SOURCES.includes(m.source)).map((m) => m.source);
  if (gaps.length > 0) {
    return `${what} ${target.value} is treated as protected: inventory source(s) ${[...new Set(gaps)].join(', ')} could not answer, so a protecting tag may be missing`;
  }
  if (records.length === 0) return `${what} ${target.value} is treated as protected: no inventory record (${kind} fact) describes it`;
  return undefined;
}

/** A containment refused for the per-alert cap. */
export interface CapRefusal {
  kind: 'RunContainment';
  reason: string;
}

/**
 * Keeps at most `policy.maxActionsPerAlert` containment actions of one decision, in the order given (the policy's
 * own first), and refuses the rest with the reason. Other actions pass untouched. Pure.
 */
export function capContainmentPerAlert<A extends { kind: string }>(actions: readonly A[], policy: ContainmentPolicy): { kept: A[]; refused: CapRefusal[] } {
  const kept: A[] = [];
  const refused: CapRefusal[] = [];
  let count = 0;
  for (const a of actions) {
    if (a.kind !== 'RunContainment') kept.push(a);
    else if (count < policy.maxActionsPerAlert) {
      count += 1;
      kept.push(a);
    } else refused.push({ kind: 'RunContainment', reason: `not proposed: at most ${policy.maxActionsPerAlert} containment action(s) per alert (containment.maxActionsPerAlert); contain the rest by hand` });
  }
  return { kept, refused };
}
