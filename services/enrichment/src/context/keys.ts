import type { Entity } from '@soc/contracts';
import { canonicalIndicator } from '../threat-intel/index.ts';
import type { AssetKey, UserKey } from './ports.ts';

// Host names: letters, digits, `_` and `-` in dot-separated labels. No `^`, `=`, `,`, `/` or spaces, so a key can
// never change a ServiceNow encoded query or a URL path. Unambiguous groups: linear time.
const HOST = /^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_-]{1,63})*$/;
const UPN = /^[a-z0-9'._!~+-]{1,113}@[a-z0-9](?:[a-z0-9.-]{0,251}[a-z0-9])?$/;
const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
// SAM account names exclude " / \ [ ] : ; | = , + * ? < > and control characters (at most 20 characters in AD,
// longer for cloud-only names); a `$` ends computer accounts.
const ACCOUNT = /^[^"/\\[\]:;|=,+*?<>\s@]{1,104}$/;

/** The canonical host key (lower case, no trailing dot), or undefined for a value that is not a host name. */
export function hostKey(raw: string): AssetKey | undefined {
  const value = raw.trim().toLowerCase().replace(/\.$/, '');
  if (value.length > 253 || !HOST.test(value)) return undefined;
  return { type: 'host', value, key: `host:${value}` };
}

/** The canonical IP key (dotted quad, RFC 5952 IPv6), or undefined for a value that is not an address. */
export function ipKey(raw: string): AssetKey | undefined {
  const c = canonicalIndicator({ type: 'ip', value: raw });
  return c ? { type: 'ip', value: c.value, key: `ip:${c.value}` } : undefined;
}

export function upnKey(raw: string): UserKey | undefined {
  const value = raw.trim().toLowerCase();
  return value.length <= 320 && UPN.test(value) ? { type: 'upn', value, key: `upn:${value}` } : undefined;
}

export function objectIdKey(raw: string): UserKey | undefined {
  const value = raw.trim().toLowerCase();
  return GUID.test(value) ? { type: 'objectId', value, key: `objectId:${value}` } : undefined;
}

/** The account key of `name` or `DOMAIN\name` (the domain is dropped: inventories rarely agree on it). */
export function accountKey(raw: string): UserKey | undefined {
  const trimmed = raw.trim().toLowerCase();
  const value = trimmed.slice(trimmed.lastIndexOf('\\') + 1);
  return ACCOUNT.test(value) ? { type: 'account', value, key: `account:${value}` } : undefined;
}

/** The keys one entity can be looked up by, most specific first. */
export interface EntityKeys<K> {
  entityId: string;
  keys: K[];
}

const present = <T>(xs: readonly (T | undefined)[]): T[] => xs.filter((x): x is T => x !== undefined);

function distinct<K extends { key: string }>(keys: readonly K[]): K[] {
  const seen = new Set<string>();
  return keys.filter((k) => (seen.has(k.key) ? false : (seen.add(k.key), true)));
}

/**
 * Asset keys of an alert's hosts (value, FQDN, host name) and internal or unclassified IPs; external addresses
 * are not the organisation's assets.
 */
export function assetKeysOf(entities: readonly Entity[]): EntityKeys<AssetKey>[] {
  const out: EntityKeys<AssetKey>[] = [];
  for (const e of entities) {
    let keys: AssetKey[] = [];
    if (e.type === 'host')
      keys = present([
        hostKey(e.value),
        e.fqdn === undefined ? undefined : hostKey(e.fqdn),
        e.hostname === undefined ? undefined : hostKey(e.hostname),
      ]);
    else if (e.type === 'ip' && e.isInternal !== false) keys = present([ipKey(e.value)]);
    keys = distinct(keys);
    if (keys.length > 0) out.push({ entityId: e.id, keys });
  }
  return out;
}

/** User keys of an alert's accounts: UPN, then Entra object id, then account name. */
export function userKeysOf(entities: readonly Entity[]): EntityKeys<UserKey>[] {
  const out: EntityKeys<UserKey>[] = [];
  for (const e of entities) {
    if (e.type !== 'user') continue;
    const keys = distinct(
      present([
        e.upn === undefined ? undefined : upnKey(e.upn),
        upnKey(e.value),
        e.objectId === undefined ? undefined : objectIdKey(e.objectId),
        objectIdKey(e.value),
        e.name === undefined ? undefined : accountKey(e.name),
        e.value.includes('@') ? undefined : accountKey(e.value),
      ]),
    );
    if (keys.length > 0) out.push({ entityId: e.id, keys });
  }
  return out;
}
