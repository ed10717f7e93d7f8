import { isIP } from 'node:net';
import type { Entity } from '@soc/contracts';

/** One entity type's own shape (`EntityDraft` is only the part all types share, so typed attributes are checked here). */
export type TypedDraft = { [K in Entity['type']]: Omit<Extract<Entity, { type: K }>, 'id' | 'origin'> }[Entity['type']];
export type Role = NonNullable<Entity['role']>;
export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

const HEX_BY_LENGTH: Readonly<Record<number, HashAlgorithm>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const HOST = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,252}$/;
const PLACEHOLDERS = new Set(['-', 'n/a', 'null', 'none', '(null)', 'unknown', 'any']);

/** A real value: trimmed, not one of the placeholders Windows and Wazuh write for "none". */
export function present(value: string | undefined): string | undefined {
  const v = value?.trim();
  return v === undefined || v === '' || PLACEHOLDERS.has(v.toLowerCase()) ? undefined : v;
}

export function basename(path: string): string {
  return path.split(/[\\/]/).pop() || path;
}

/** The algorithm of a hex digest by its length, or undefined for anything that is not one. */
export function hashAlgorithm(value: string): HashAlgorithm | undefined {
  return /^[0-9a-f]+$/i.test(value) ? HEX_BY_LENGTH[value.length] : undefined;
}


export function ipDraft(value: string | undefined, role?: Role): TypedDraft[] {
  const v = present(value);
  return v !== undefined && isIP(v) ? [{ type: 'ip', value: v, role }] : [];
}

export function hostDraft(value: string | undefined, role?: Role, fqdn?: string): TypedDraft[] {
  const v = present(value);
  if (v === undefined || !HOST.test(v)) return [];
  const dot = v.indexOf('.');
  if (dot > 0 && /[A-Za-z]/.test(v.slice(dot)))
    return [{ type: 'host', value: v, hostname: v.slice(0, dot), fqdn: v, role }];
  return [{ type: 'host', value: v, hostname: v, fqdn, role }];
}

/** A user from an account name and, when the product gives one, its domain and SID. */
export function userDraft(name: string | undefined, role?: Role, domain?: string, sid?: string): TypedDraft[] {
  const n = present(name);
  if (n === undefined) return [];
  const slash = n.indexOf('\\');
  if (slash > 0 && slash < n.length - 1)
    return [{ type: 'user', value: n, domain: n.slice(0, slash), name: n.slice(slash + 1), sid: present(sid), role }];
  const d = present(domain);
  return [{ type: 'user', value: d === undefined ? n : `${d}\\${n}`, name: n, domain: d, sid: present(sid), role }];
}

/** Sysmon's `Hashes`: `SHA1=…,MD5=…,SHA256=…,IMPHASH=…` (IMPHASH is not a file digest and is skipped). */
export function sysmonHashes(value: string | undefined): { algorithm: HashAlgorithm; value: string }[] {
  const out: { algorithm: HashAlgorithm; value: string }[] = [];
  for (const part of (value ?? '').split(',')) {
    const [name, digest] = part.split('=').map((s) => s.trim());
    const algorithm = name?.toLowerCase();
    if (digest !== undefined && hashAlgorithm(digest) === algorithm)
      out.push({ algorithm: algorithm as HashAlgorithm, value: digest.toLowerCase() });
  }
  return out;
}
