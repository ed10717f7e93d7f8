import { isIP } from 'node:net';
import type { EntityDraft } from '../../entities.ts';
import { text } from '../values.ts';

/**
 * Entity drafts from the fields Microsoft's APIs name, one builder per common entity type. Each returns no
 * entity when the product gave nothing to identify it by, so callers can pass fields straight through.
 */

type Role = EntityDraft['role'];
type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

/** Drops undefined properties, so drafts carry only what the product said. */
function defined<T extends object>(o: T): T {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as T;
}

/** An IP address entity; values that are not an IPv4/IPv6 address (after removing brackets) are not entities. */
export function ipEntity(address: unknown, role?: Role): EntityDraft[] {
  const value = text(address)?.replace(/^\[|\]$/g, '');
  if (value === undefined || isIP(value) === 0) return [];
  return [defined({ type: 'ip' as const, value, role })];
}

export function urlEntity(url: unknown, role?: Role): EntityDraft[] {
  const value = text(url);
  return value === undefined ? [] : [defined({ type: 'url' as const, value, role })];
}

export function domainEntity(domain: unknown, role?: Role): EntityDraft[] {
  const value = text(domain);
  return value === undefined ? [] : [defined({ type: 'domain' as const, value, role })];
}

/**
 * The streaming tables' `RemoteUrl` is "URL or fully qualified domain name": a value with a scheme or a path is
 * a URL, a bare name a domain.
 */
export function urlOrDomainEntity(value: unknown, role?: Role): EntityDraft[] {
  const v = text(value);
  if (v === undefined) return [];
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(v) || v.includes('/') ? urlEntity(v, role) : domainEntity(v, role);
}

export function mailboxEntity(address: unknown, displayName?: unknown, role?: Role): EntityDraft[] {
  const value = text(address);
  return value === undefined
    ? []
    : [defined({ type: 'mailbox' as const, value, displayName: text(displayName), role })];
}

export interface UserFields {
  name?: unknown;
  domain?: unknown;
  upn?: unknown;
  sid?: unknown;
  objectId?: unknown;
}

/**
 * A user named by UPN when Microsoft gives one (unique across the tenant and the form other sources use),
 * else `DOMAIN\name`, the bare account name, the SID or the Entra object id, in that order.
 */
export function userEntity(fields: UserFields, role?: Role): EntityDraft[] {
  const name = text(fields.name);
  const domain = text(fields.domain);
  const upn = text(fields.upn);
  const sid = text(fields.sid);
  const objectId = text(fields.objectId);
  const value = upn ?? (name !== undefined && domain !== undefined ? `${domain}\\${name}` : name) ?? sid ?? objectId;
  if (value === undefined) return [];
  return [defined({ type: 'user' as const, value, name, domain, upn, sid, objectId, role })];
}

export interface HostFields {
  /** The device's fully qualified name (Graph `deviceDnsName`, MDE `computerDnsName`, streaming `DeviceName`). */
  dnsName?: unknown;
  /** The host name without its domain suffix, when the product gives it separately. */
  hostName?: unknown;
  deviceId?: unknown;
  os?: unknown;
}

/**
 * A host named by its short host name (the common form across sources): the product's `hostName`, else the first
 * label of its DNS name. A device known only by id is named by that id.
 */
export function hostEntity(fields: HostFields, role?: Role): EntityDraft[] {
  const dnsName = text(fields.dnsName);
  const deviceId = text(fields.deviceId);
  const hostname = text(fields.hostName) ?? dnsName?.split('.')[0];
  const value = hostname ?? deviceId;
  if (value === undefined) return [];
  const fqdn = dnsName?.includes('.') ? dnsName : undefined;
  return [defined({ type: 'host' as const, value, hostname, fqdn, os: text(fields.os), deviceId, role })];
}

/**
 * A file's full path from a folder and a name. Microsoft sometimes puts the whole path in the folder field, so a
 * folder that already ends with the name is the full path.
 */
export function fullPath(folder: unknown, name: unknown): string | undefined {
  const dir = text(folder);
  const file = text(name);
  if (dir === undefined) return file;
  if (file === undefined) return dir;
  const lowerDir = dir.toLowerCase();
  const lowerFile = file.toLowerCase();
  if (lowerDir === lowerFile || lowerDir.endsWith(`\\${lowerFile}`) || lowerDir.endsWith(`/${lowerFile}`)) return dir;
  const separator = dir.includes('/') && !dir.includes('\\') ? '/' : '\\';
  return `${dir.replace(/[\\/]+$/, '')}${separator}${file}`;
}

export interface FileFields {
  name?: unknown;
  folder?: unknown;
  md5?: unknown;
  sha1?: unknown;
  sha256?: unknown;
}

function hashesOf(fields: FileFields): { algorithm: HashAlgorithm; value: string }[] {
  const hashes: { algorithm: HashAlgorithm; value: string }[] = [];
  for (const algorithm of ['sha256', 'sha1', 'md5'] as const) {
    const value = text(fields[algorithm]);
    if (value !== undefined) hashes.push({ algorithm, value });
  }
  return hashes;
}

/** A file entity (named by full path, else name) and one hash entity per hash the product gives. */
export function fileEntities(fields: FileFields, role?: Role): EntityDraft[] {
  const name = text(fields.name);
  const path = fullPath(fields.folder, fields.name);
  const hashes = hashesOf(fields);
  const file: EntityDraft[] =
    path === undefined
      ? []
      : [
          defined({
            type: 'file' as const,
            value: path,
            name,
            path,
            hashes: hashes.length > 0 ? hashes : undefined,
            role,
          }),
        ];
  return [
    ...file,
    ...hashes.map((h) => defined({ type: 'hash' as const, value: h.value, algorithm: h.algorithm, role })),
  ];
}

/** A hash entity when the algorithm is one the common schema knows (Graph's `sha256ac` and `unknown` are not). */
export function hashEntity(algorithm: unknown, value: unknown, role?: Role): EntityDraft[] {
  const alg = text(algorithm)?.toLowerCase();
  const hash = text(value);
  if (hash === undefined || (alg !== 'md5' && alg !== 'sha1' && alg !== 'sha256' && alg !== 'sha512')) return [];
  return [defined({ type: 'hash' as const, value: hash, algorithm: alg, role })];
}

export interface ProcessFields {
  name?: unknown;
  folder?: unknown;
  commandLine?: unknown;
  pid?: unknown;
  parentName?: unknown;
}

/** A process named by its image's full path (else its image name); without an image it is no entity. */
export function processEntity(fields: ProcessFields, role?: Role): EntityDraft[] {
  const value = fullPath(fields.folder, fields.name);
  if (value === undefined) return [];
  const pid = typeof fields.pid === 'number' && Number.isInteger(fields.pid) ? fields.pid : undefined;
  return [
    defined({
      type: 'process' as const,
      value,
      name: text(fields.name),
      commandLine: text(fields.commandLine),
      pid,
      parentName: text(fields.parentName),
      role,
    }),
  ];
}

export interface RegistryFields {
  hive?: unknown;
  key?: unknown;
  valueName?: unknown;
  data?: unknown;
}

/**
 * A registry key, or a value under it, named `HIVE\key[\valueName]`. Graph and MDE give the hive
 * (`HKEY_LOCAL_MACHINE`) apart from the key; a key that already starts with its hive is not prefixed twice.
 */
export function registryEntity(fields: RegistryFields, role?: Role): EntityDraft[] {
  const hive = text(fields.hive);
  const rawKey = text(fields.key);
  if (rawKey === undefined) return [];
  const key =
    hive !== undefined && !rawKey.toUpperCase().startsWith(hive.toUpperCase()) ? `${hive}\\${rawKey}` : rawKey;
  const valueName = text(fields.valueName);
  const value = valueName === undefined ? key : `${key}\\${valueName}`;
  return [defined({ type: 'registry' as const, value, key, valueName, data: text(fields.data), role })];
}

export function cloudResourceEntity(
  id: unknown,
  provider: string | undefined,
  resourceType: unknown,
  role?: Role,
): EntityDraft[] {
  const value = text(id);
  return value === undefined
    ? []
    : [defined({ type: 'cloud-resource' as const, value, provider, resourceType: text(resourceType), role })];
}
