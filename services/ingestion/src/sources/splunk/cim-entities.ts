import { isIP } from 'node:net';
import type { Entity } from '@soc/contracts';
import type { EntityDraft } from '../../entities.ts';
import { processId } from '../values.ts';
import { type Row, first, values } from './fields.ts';

/**
 * Entities named by the Splunk Common Information Model fields of a result row (Authentication, Network Traffic,
 * Endpoint Processes/Filesystem/Registry, Web, Email, Network Resolution), plus the few raw Windows/Sysmon field
 * names detections output unrenamed. Only values of the right form become entities: `src_ip` that is not an
 * address, or `url` that is a bare path, are left to free-text extraction.
 */

type Role = NonNullable<Entity['role']>;
/** One entity type's own shape: `EntityDraft` is the common part only, so typed attributes are checked here. */
type TypedDraft = { [K in Entity['type']]: Omit<Extract<Entity, { type: K }>, 'id' | 'origin'> }[Entity['type']];
type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

const HEX_BY_LENGTH: Readonly<Record<number, HashAlgorithm>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const HOST = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/;
const DOMAIN = /^(?=.{4,253}$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}\.?$/;
const MAILBOX = /^[^\s@<>]+@[^\s@<>]+\.[^\s@<>]+$/;

/** The algorithm of a hex digest by its length, or undefined for anything that is not a digest. */
function hashAlgorithm(value: string): HashAlgorithm | undefined {
  return /^[0-9a-f]+$/i.test(value) ? HEX_BY_LENGTH[value.length] : undefined;
}

function hostDraft(value: string, role: Role | undefined): TypedDraft | undefined {
  if (!HOST.test(value)) return undefined;
  const dot = value.indexOf('.');
  return dot > 0 && /[A-Za-z]/.test(value.slice(dot))
    ? { type: 'host', value, hostname: value.slice(0, dot), fqdn: value, role }
    : { type: 'host', value, hostname: value, role };
}

/** `src`, `dest`, `dvc` hold an address or a host name; CIM leaves it to the data. */
function addressOrHost(value: string, role: Role | undefined): TypedDraft | undefined {
  return isIP(value) ? { type: 'ip', value, role } : hostDraft(value, role);
}

/** `DOMAIN\user`, `user@domain` (a UPN) or a bare account name. */
function userDraft(value: string, role: Role | undefined): TypedDraft {
  const slash = value.indexOf('\\');
  if (slash > 0 && slash < value.length - 1)
    return { type: 'user', value, domain: value.slice(0, slash), name: value.slice(slash + 1), role };
  if (MAILBOX.test(value)) return { type: 'user', value, upn: value, name: value.slice(0, value.indexOf('@')), role };
  return { type: 'user', value, name: value, role };
}

function basename(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}


/** Sysmon's `Hashes` field: `SHA1=…,MD5=…,SHA256=…,IMPHASH=…` (IMPHASH is not a file digest and is skipped). */
function sysmonHashes(value: string): { algorithm: HashAlgorithm; value: string }[] {
  const out: { algorithm: HashAlgorithm; value: string }[] = [];
  for (const part of value.split(',')) {
    const [name, digest] = part.split('=').map((s) => s.trim());
    const algorithm = name?.toLowerCase();
    if (digest !== undefined && hashAlgorithm(digest) === algorithm) {
      out.push({ algorithm: algorithm as HashAlgorithm, value: digest.toLowerCase() });
    }
  }
  return out;
}

const ADDRESS_FIELDS: readonly [string, Role][] = [
  ['src', 'actor'],
  ['dest', 'target'],
  ['dvc', 'related'],
];
const IP_FIELDS: readonly [string, Role][] = [
  ['src_ip', 'actor'],
  ['dest_ip', 'target'],
  ['dvc_ip', 'related'],
];
const HOST_FIELDS: readonly [string, Role][] = [
  ['src_host', 'actor'],
  ['src_nt_host', 'actor'],
  ['src_dns', 'actor'],
  ['dest_host', 'target'],
  ['dest_nt_host', 'target'],
  ['dest_dns', 'target'],
  ['dvc_host', 'related'],
  ['orig_host', 'related'],
  ['Computer', 'related'],
];
const USER_FIELDS: readonly [string, Role][] = [
  ['src_user', 'actor'],
  ['dest_user', 'target'],
  ['target_user', 'target'],
];
const MAILBOX_FIELDS: readonly [string, Role][] = [
  ['sender', 'actor'],
  ['recipient', 'target'],
  ['orig_recipient', 'target'],
];

function networkEntities(row: Row, includeHost: boolean): TypedDraft[] {
  const out: (TypedDraft | undefined)[] = [];
  for (const [key, role] of ADDRESS_FIELDS) for (const v of values(row, key)) out.push(addressOrHost(v, role));
  for (const [key, role] of IP_FIELDS)
    for (const v of values(row, key)) if (isIP(v)) out.push({ type: 'ip', value: v, role });
  for (const [key, role] of HOST_FIELDS)
    for (const v of values(row, key)) out.push(isIP(v) ? { type: 'ip', value: v, role } : hostDraft(v, role));
  // `host` is where the event was indexed from: the original host for raw events, the search head for notables.
  if (includeHost) for (const v of values(row, 'host')) out.push(addressOrHost(v, 'related'));
  return out.filter((e): e is TypedDraft => e !== undefined);
}

function identityEntities(row: Row): TypedDraft[] {
  const out: TypedDraft[] = [];
  for (const [key, role] of USER_FIELDS) for (const v of values(row, key)) out.push(userDraft(v, role));
  // CIM `user` is the target account in Authentication but the acting account in Endpoint: no role is claimed.
  for (const v of values(row, 'user')) out.push(userDraft(v, undefined));
  for (const [key, role] of MAILBOX_FIELDS)
    for (const v of values(row, key)) if (MAILBOX.test(v)) out.push({ type: 'mailbox', value: v, role });
  // ES risk-based alerting: the object the risk was attributed to.
  const riskType = first(row, 'risk_object_type');
  for (const v of values(row, 'risk_object')) {
    if (riskType === 'user') out.push(userDraft(v, 'related'));
    else if (riskType === 'system') {
      const e = addressOrHost(v, 'related');
      if (e) out.push(e);
    }
  }
  return out;
}

function digests(row: Row, keys: readonly string[]): { algorithm: HashAlgorithm; value: string }[] {
  const out: { algorithm: HashAlgorithm; value: string }[] = [];
  for (const key of keys) {
    for (const v of values(row, key)) {
      const algorithm = hashAlgorithm(v);
      // `md5`/`sha1`/… must hold that algorithm's digest; `file_hash`/`process_hash` say it by their length.
      if (algorithm !== undefined && (algorithm === key || key.endsWith('_hash')))
        out.push({ algorithm, value: v.toLowerCase() });
    }
  }
  return out;
}

function fileEntities(row: Row): TypedDraft[] {
  const fileHashes = digests(row, ['file_hash', 'md5', 'sha1', 'sha256', 'sha512']);
  // Process image digests (CIM `process_hash`, Sysmon `Hashes`) are hash entities but not the named file's.
  const otherHashes = [...digests(row, ['process_hash']), ...values(row, 'Hashes').flatMap(sysmonHashes)];
  const out: TypedDraft[] = [...fileHashes, ...otherHashes].map((h) => ({
    type: 'hash',
    value: h.value,
    algorithm: h.algorithm,
  }));
  const path = first(row, 'file_path', 'TargetFilename');
  const name = first(row, 'file_name') ?? (path === undefined ? undefined : basename(path));
  const value = path ?? name;
  if (value !== undefined)
    out.push({ type: 'file', value, name, path, hashes: fileHashes.length > 0 ? fileHashes : undefined });
  return out;
}

function processEntities(row: Row): TypedDraft[] {
  const out: TypedDraft[] = [];
  const path = first(row, 'process_path', 'Image');
  const commandLine = first(row, 'process', 'CommandLine');
  const name = first(row, 'process_name') ?? (path === undefined ? undefined : basename(path));
  const parentPath = first(row, 'parent_process_path', 'ParentImage');
  const parentCommandLine = first(row, 'parent_process', 'ParentCommandLine');
  const parentName = first(row, 'parent_process_name') ?? (parentPath === undefined ? undefined : basename(parentPath));
  const value = path ?? name ?? commandLine;
  if (value !== undefined)
    out.push({
      type: 'process',
      value,
      name,
      commandLine,
      pid: processId(first(row, 'process_id', 'ProcessId')),
      parentName,
    });
  const parentValue = parentPath ?? parentName ?? parentCommandLine;
  if (parentValue !== undefined)
    out.push({
      type: 'process',
      value: parentValue,
      name: parentName,
      commandLine: parentCommandLine,
      pid: processId(first(row, 'parent_process_id', 'ParentProcessId')),
      role: 'related',
    });
  return out;
}

function registryEntities(row: Row): TypedDraft[] {
  const key = first(row, 'registry_path', 'registry_key_name', 'TargetObject');
  return key === undefined
    ? []
    : [
        {
          type: 'registry',
          value: key,
          key,
          valueName: first(row, 'registry_value_name'),
          data: first(row, 'registry_value_data'),
        },
      ];
}

function webEntities(row: Row): TypedDraft[] {
  const out: TypedDraft[] = [];
  for (const v of values(row, 'url')) if (/^(https?|ftp):\/\/\S+$/i.test(v)) out.push({ type: 'url', value: v });
  for (const key of ['url_domain', 'domain', 'query', 'dest_domain'])
    for (const v of values(row, key)) if (DOMAIN.test(v) && !isIP(v)) out.push({ type: 'domain', value: v });
  return out;
}

/**
 * All entities a row names. `includeHost` says whether the Splunk `host` field is the event's host (raw events)
 * or only the search head that wrote a notable (then it is not an entity of the alert).
 */
export function cimEntities(row: Row, includeHost: boolean): EntityDraft[] {
  return [
    ...networkEntities(row, includeHost),
    ...identityEntities(row),
    ...processEntities(row),
    ...fileEntities(row),
    ...registryEntities(row),
    ...webEntities(row),
  ];
}
