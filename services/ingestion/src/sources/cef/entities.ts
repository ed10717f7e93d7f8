import { isIP } from 'node:net';
import type { EntityDraft } from '../../entities.ts';
import { customFields, type CefEvent } from './event.ts';

/**
 * Entities of a CEF event, from the extension dictionary's keys: the source side (`src`, `shost`, `suser`,
 * `sproc`) is the actor, the destination side (`dst`, `dhost`, `duser`, `dproc`, `destinationDnsDomain`,
 * `request`) the target, the reporting device (`dvc`, `dvchost`, the syslog host) and files, hashes and custom
 * fields are related. A value becomes an entity only if it is one: an IP field holding a name, a hash field holding
 * a truncated hash or a relative request path (`/login.php`) is not invented into something else, and placeholders
 * (`-`, `N/A`, `null`, `Unknown` …) name nothing. MAC addresses are not entities in the common schema.
 */

type Role = 'actor' | 'target' | 'related';
type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

const PLACEHOLDERS = new Set(['-', '--', 'n/a', 'na', 'null', 'nil', 'none', 'unknown', 'undefined', '__empty__']);

/** The value without surrounding quotes and whitespace, or undefined for blanks and placeholders. */
export function present(value: string | undefined): string | undefined {
  let v = value?.trim();
  if (v === undefined) return undefined;
  const quoted = /^(["'])(.*)\1$/s.exec(v);
  if (quoted) v = (quoted[2] as string).trim();
  return v === '' || PLACEHOLDERS.has(v.toLowerCase()) ? undefined : v;
}

/** Drops undefined properties, so drafts carry only what the product said. */
function defined(o: Record<string, unknown>): EntityDraft {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as unknown as EntityDraft;
}

const UNSPECIFIED = new Set(['0.0.0.0', '::']);

function ipAddress(value: string | undefined): string | undefined {
  const v = present(value)?.replace(/^\[(.*)\]$/, '$1');
  return v !== undefined && isIP(v) !== 0 && !UNSPECIFIED.has(v) ? v : undefined;
}

export function ipEntity(value: string | undefined, role: Role): EntityDraft[] {
  const ip = ipAddress(value);
  return ip === undefined ? [] : [defined({ type: 'ip', value: ip, role })];
}

const HOSTNAME = /^(?=.{1,253}$)[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62})(?:\.[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,62}))*\.?$/;

/**
 * A host field (`shost`, `dhost`, `dvchost`): the spec lets it hold an IP address when no name is known, which is
 * an IP entity; `name:port` and `address:port` lose the port. Values with spaces or other non-hostname characters
 * are not host names.
 */
export function hostEntity(value: string | undefined, role: Role): EntityDraft[] {
  const v = present(value);
  if (v === undefined) return [];
  const withoutPort = /^([^:]+):\d{1,5}$/.exec(v)?.[1] ?? v;
  const ip = ipAddress(withoutPort) ?? ipAddress(v);
  if (ip !== undefined) return [defined({ type: 'ip', value: ip, role })];
  if (!HOSTNAME.test(withoutPort)) return [];
  const name = withoutPort.replace(/\.$/, '');
  const dotted = name.includes('.');
  return [
    defined({
      type: 'host',
      value: name,
      hostname: dotted ? name.split('.')[0] : name,
      fqdn: dotted ? name : undefined,
      role,
    }),
  ];
}

const DOMAIN = /^(?=.{1,253}\.?$)(?:[A-Za-z0-9_](?:[A-Za-z0-9_-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z][A-Za-z0-9-]{0,62}\.?$/;

export function domainEntity(value: string | undefined, role: Role): EntityDraft[] {
  const v = present(value);
  return v !== undefined && DOMAIN.test(v) ? [defined({ type: 'domain', value: v.replace(/\.$/, ''), role })] : [];
}

const SID = /^S-1-\d+(-\d+)+$/i;

/**
 * A user field: `DOMAIN\name` gives name and domain (CommonSecurityLog keeps CEF's doubled backslash), an
 * address-like `name@domain` is a UPN, a SID a SID. `suid`/`duid` complete the user as its SID, or name it when the
 * user name is missing; `sntdom`/`dntdom` give the NT domain.
 */
export function userEntity(
  user: string | undefined,
  id: string | undefined,
  ntDomain: string | undefined,
  role: Role,
): EntityDraft[] {
  const userName = present(user);
  const userId = present(id);
  const value = userName ?? userId;
  if (value === undefined) return [];
  const sid = [userName, userId].find((v) => v !== undefined && SID.test(v));
  const qualified = /^([^\\]+)\\+([^\\]+)$/.exec(value);
  const upn = !qualified && /^[^@\s]+@[^@\s]+$/.test(value) ? value : undefined;
  const bareName = qualified || upn !== undefined || sid === value ? undefined : value;
  const domain = qualified ? qualified[1] : bareName === undefined ? undefined : present(ntDomain);
  const name = qualified ? qualified[2] : bareName;
  // `DOMAIN\name`, the form other sources name Windows accounts by, when the product gives both parts.
  const canonical = domain !== undefined && name !== undefined ? `${domain}\\${name}` : value;
  return [defined({ type: 'user', value: canonical, name, domain, upn, sid, role })];
}

const HASH_LENGTHS: Readonly<Record<number, HashAlgorithm>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };

/** A hash's algorithm from its length (an optional `sha256:`-style prefix is dropped); undefined for non-hashes. */
export function readHash(value: string | undefined): { algorithm: HashAlgorithm; value: string } | undefined {
  const v = present(value);
  const m = v === undefined ? null : /^(?:(?:md5|sha-?1|sha-?256|sha-?512)[:=])?([0-9a-f]+)$/i.exec(v);
  if (!m) return undefined;
  const hex = m[1] as string;
  const algorithm = HASH_LENGTHS[hex.length];
  return algorithm === undefined ? undefined : { algorithm, value: hex };
}

export function hashEntity(value: string | undefined, role: Role): EntityDraft[] {
  const hash = readHash(value);
  return hash === undefined ? [] : [defined({ type: 'hash', value: hash.value, algorithm: hash.algorithm, role })];
}

/** `fname` is the file's name, `filePath` its full path (some products give only the folder). */
export function fileEntity(
  name: string | undefined,
  path: string | undefined,
  hash: string | undefined,
  role: Role,
): EntityDraft[] {
  const fname = present(name);
  const fpath = present(path);
  const value = fpath !== undefined && (fname === undefined || fpath.endsWith(fname)) ? fpath : (fname ?? fpath);
  if (value === undefined) return [];
  const h = readHash(hash);
  return [defined({ type: 'file', value, name: fname, path: fpath, hashes: h === undefined ? undefined : [h], role })];
}

export function processEntity(name: string | undefined, pid: string | undefined, role: Role): EntityDraft[] {
  const value = present(name);
  if (value === undefined) return [];
  const id = present(pid);
  return [
    defined({ type: 'process', value, pid: id !== undefined && /^\d{1,10}$/.test(id) ? Number(id) : undefined, role }),
  ];
}

/** Absolute URLs only: CEF's `request` is often a bare path, which names no resource without its host. */
export function urlEntity(value: string | undefined, role: Role): EntityDraft[] {
  const v = present(value);
  return v !== undefined && /^[a-z][a-z0-9+.-]*:\/\/[^\s/]+\S*$/i.test(v)
    ? [defined({ type: 'url', value: v, role })]
    : [];
}

/** Custom fields whose label says what they hold; the value must still parse as that kind of thing. */
function customEntities(event: CefEvent): EntityDraft[] {
  const out: EntityDraft[] = [];
  for (const { key, label, value } of customFields(event)) {
    if (/^c6a\d+$/.test(key) || /ip|addr/i.test(label)) out.push(...ipEntity(value, 'related'));
    if (/md5|sha-?1|sha-?256|sha-?512|hash/i.test(label)) out.push(...hashEntity(value, 'related'));
    if (/url|uri|link/i.test(label)) out.push(...urlEntity(value, 'related'));
    if (/domain|fqdn/i.test(label)) out.push(...domainEntity(value, 'related'));
    if (/user\s*name|account\s*name|^user$/i.test(label))
      out.push(...userEntity(value, undefined, undefined, 'related'));
    if (/host\s*name|computer\s*name|machine\s*name/i.test(label)) out.push(...hostEntity(value, 'related'));
  }
  // IPv6 custom addresses without a label are still addresses.
  for (const [key, value] of event.fields)
    if (/^c6a\d+$/.test(key) && !event.fields.has(`${key}Label`)) out.push(...ipEntity(value, 'related'));
  return out;
}

/** Every entity the event names, actor side first. */
export function cefEntities(event: CefEvent): EntityDraft[] {
  const f = (key: string): string | undefined => event.fields.get(key);
  const device = [...ipEntity(f('dvc'), 'related'), ...hostEntity(f('dvchost'), 'related')];
  return [
    ...ipEntity(f('src'), 'actor'),
    ...hostEntity(f('shost'), 'actor'),
    ...userEntity(f('suser'), f('suid'), f('sntdom'), 'actor'),
    ...processEntity(f('sproc'), f('spid'), 'actor'),
    ...ipEntity(f('sourceTranslatedAddress'), 'related'),
    ...ipEntity(f('dst'), 'target'),
    ...hostEntity(f('dhost'), 'target'),
    ...userEntity(f('duser'), f('duid'), f('dntdom'), 'target'),
    ...processEntity(f('dproc'), f('dpid'), 'target'),
    ...domainEntity(f('destinationDnsDomain'), 'target'),
    ...urlEntity(f('request'), 'target'),
    ...ipEntity(f('destinationTranslatedAddress'), 'related'),
    ...fileEntity(f('fname'), f('filePath'), f('fileHash'), 'related'),
    ...hashEntity(f('fileHash'), 'related'),
    ...fileEntity(f('oldFileName'), f('oldFilePath'), f('oldFileHash'), 'related'),
    ...hashEntity(f('oldFileHash'), 'related'),
    ...processEntity(f('deviceProcessName'), f('dvcpid'), 'related'),
    ...device,
    // The syslog HOSTNAME (CommonSecurityLog `Computer`) stands for the device only when the record names none.
    ...(device.length === 0 ? hostEntity(event.transport.host, 'related') : []),
    ...customEntities(event),
  ];
}
