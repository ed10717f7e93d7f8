import { createHash } from 'node:crypto';
import { AppError, ErrorCode } from '@soc/runtime';

/**
 * Azure Resource Manager identifiers, parsed strictly before any of them reaches a URL: a target or an argument is
 * alert text, and only what configuration allows (subscriptions, resource groups, NSGs) may be acted on.
 */

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
/** ARM's resource-group rule, ASCII only: letters, digits, `.` `_` `-` `(` `)`, not ending in `.`. */
const RESOURCE_GROUP = /^[A-Za-z0-9._()-]{0,89}[A-Za-z0-9_()-]$/;
/** ARM's NSG (and security rule) name rule: starts with a letter or digit, ends with one or `_`. */
const NSG_NAME = /^[A-Za-z0-9](?:[A-Za-z0-9._-]{0,78}[A-Za-z0-9_])?$/;
const STORAGE_ACCOUNT = /^[a-z0-9]{3,24}$/;
const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** A resource group scope: a subscription, and a resource group in it (absent: the whole subscription). */
export interface ArmScope {
  subscriptionId: string;
  resourceGroup?: string;
}

/** A resource of one provider type in a resource group: what the runbooks act on. */
export interface ArmResource {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
}

function invalid(message: string): AppError {
  return new AppError(ErrorCode.VALIDATION_FAILED, message, { retryable: false });
}

/** A subscription id, lower-cased (ARM compares them case-insensitively). */
export function subscriptionIdOf(value: string): string {
  const id = value.trim().toLowerCase();
  if (!GUID.test(id)) throw invalid('not an Azure subscription id (a GUID)');
  return id;
}

function parseResourceId(value: string, provider: string, type: string, name: RegExp, what: string): ArmResource {
  // No trimming, no decoding: the id must be exactly an ARM id, so nothing in it can add a path segment or a query.
  const parts = value.split('/');
  const [empty, subs, sub, rgs, rg, providers, ns, kind, resource, ...rest] = parts;
  const ok =
    parts.length === 9 &&
    rest.length === 0 &&
    empty === '' &&
    subs?.toLowerCase() === 'subscriptions' &&
    rgs?.toLowerCase() === 'resourcegroups' &&
    providers?.toLowerCase() === 'providers' &&
    ns?.toLowerCase() === provider.toLowerCase() &&
    kind?.toLowerCase() === type.toLowerCase() &&
    sub !== undefined &&
    GUID.test(sub.toLowerCase()) &&
    rg !== undefined &&
    RESOURCE_GROUP.test(rg) &&
    resource !== undefined &&
    name.test(resource);
  if (!ok) throw invalid(`not ${what} resource id (/subscriptions/<guid>/resourceGroups/<group>/providers/${provider}/${type}/<name>)`);
  return { subscriptionId: (sub as string).toLowerCase(), resourceGroup: rg as string, name: resource as string };
}

/** `/subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Network/networkSecurityGroups/{name}`. */
export function parseNsgId(value: string): ArmResource {
  return parseResourceId(value, 'Microsoft.Network', 'networkSecurityGroups', NSG_NAME, 'a network security group');
}

/** `/subscriptions/{id}/resourceGroups/{rg}/providers/Microsoft.Storage/storageAccounts/{name}`. */
export function parseStorageAccountId(value: string): ArmResource {
  return parseResourceId(value, 'Microsoft.Storage', 'storageAccounts', STORAGE_ACCOUNT, 'a storage account');
}

/** `/subscriptions/{id}` or `/subscriptions/{id}/resourceGroups/{rg}`: a scope of the storage allow-list. */
export function parseScope(value: string): ArmScope {
  const parts = value.split('/');
  const [empty, subs, sub, rgs, rg] = parts;
  const ok =
    (parts.length === 3 || parts.length === 5) &&
    empty === '' &&
    subs?.toLowerCase() === 'subscriptions' &&
    sub !== undefined &&
    GUID.test(sub.toLowerCase()) &&
    (parts.length === 3 || (rgs?.toLowerCase() === 'resourcegroups' && rg !== undefined && RESOURCE_GROUP.test(rg)));
  if (!ok) throw invalid('not a scope (/subscriptions/<guid> or /subscriptions/<guid>/resourceGroups/<group>)');
  return parts.length === 3 ? { subscriptionId: (sub as string).toLowerCase() } : { subscriptionId: (sub as string).toLowerCase(), resourceGroup: rg as string };
}

/** Whether `resource` lies in `scope` (resource group names compare case-insensitively, as ARM does). */
export function inScope(resource: ArmResource, scope: ArmScope): boolean {
  return resource.subscriptionId === scope.subscriptionId && (scope.resourceGroup === undefined || scope.resourceGroup.toLowerCase() === resource.resourceGroup.toLowerCase());
}

/** The canonical id of a resource of `provider/type`, as shown to the approver. */
export function resourceIdOf(resource: ArmResource, provider: string, type: string): string {
  return `/subscriptions/${resource.subscriptionId}/resourceGroups/${resource.resourceGroup}/providers/${provider}/${type}/${resource.name}`;
}

/** A containment request id, checked before it names anything. */
export function checkRequestId(requestId: string): string {
  if (!REQUEST_ID.test(requestId)) throw invalid('a containment request id may hold only letters, digits and . _ : -');
  return requestId;
}

/** 16 hex digits of SHA-256 over the request id: the deterministic part of every name and tag this module writes. */
export function requestHash(requestId: string): string {
  return createHash('sha256').update(checkRequestId(requestId), 'utf8').digest('hex').slice(0, 16);
}

/** The marker that ties a change to our request (in a rule's description). */
export function requestMarker(requestId: string): string {
  return `[soc-copilot:${checkRequestId(requestId)}]`;
}
