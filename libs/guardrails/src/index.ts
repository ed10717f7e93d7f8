export { DEFAULT_INTERNAL_NETWORKS, type InternalNetworks, NetworkSet, bareAddress, defaultInternalNetworks, parseInternalNetworks } from './networks.ts';
export { isDomainName, isHostName, urlHost, valueProblem } from './values.ts';
export { BUILTIN_PROTECTED_DOMAINS, BUILTIN_PROTECTED_NETWORKS, protectedDomainOf } from './protected.ts';
export { CONTAINMENT_CAP_DEFAULTS, ContainmentPolicy, DEFAULT_POLICY_URL, RUNBOOK_TARGET_TYPES, RiskLevel, loadContainmentPolicy } from './policy.ts';
export { type CapRefusal, type ContainmentContext, type ContainmentProposal, NON_INVENTORY_SOURCES, capContainmentPerAlert, containmentRefusal } from './containment.ts';
