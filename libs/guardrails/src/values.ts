import { bareAddress } from './networks.ts';

// Host names: dot-separated labels of letters, digits, `_` and `-` (the enrichment's host key accepts the same).
const HOST = /^[a-z0-9_](?:[a-z0-9_-]{0,62})(?:\.[a-z0-9_-]{1,63})*$/i;
// A domain: at least two labels, no label starting or ending with `-`, a TLD of letters or an IDN (`xn--`).
const DOMAIN = /^(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/i;
const EMAIL_LOCAL = /^[^\s@"<>()[\]\\,;:]{1,128}$/;
const CONTROL = /[\u0000-\u001f\u007f]/;
const HEX = /^[0-9a-f]+$/i;
const HASH_LENGTHS: Readonly<Record<string, number>> = { md5: 32, sha1: 40, sha256: 64, sha512: 128 };

const strip = (v: string): string => v.trim().replace(/\.$/, '');

/** True for a syntactically valid host name (one label or several); an address is not a host name. */
export function isHostName(value: string): boolean {
  const v = strip(value);
  return v.length <= 253 && HOST.test(v);
}

/** True for a syntactically valid DNS domain name of two labels or more (not an address). */
export function isDomainName(value: string): boolean {
  const v = strip(value);
  return v.length <= 253 && DOMAIN.test(v) && bareAddress(v) === undefined;
}

/** The host of an http(s) URL (lower case, IPv6 without brackets), or undefined when `value` is not one. */
export function urlHost(value: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value.trim());
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const host = url.hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return host !== '' && (bareAddress(host) !== undefined || isHostName(host)) ? host : undefined;
}

function emailProblem(value: string): string | undefined {
  const at = value.lastIndexOf('@');
  if (at <= 0) return 'is not an e-mail address';
  // Directory UPNs may end in a single-label domain (`administrator@contoso` in real Sentinel incidents).
  return EMAIL_LOCAL.test(value.slice(0, at)) && isHostName(value.slice(at + 1)) ? undefined : 'is not an e-mail address';
}

/**
 * Why `value` is not a valid value of an entity of `type`, or undefined when it is: an IP parses as an address, a
 * URL is http(s) with a host, a domain is a syntactically valid DNS name, a host is a valid host name or an
 * address, a hash is hex of its algorithm's length (32, 40, 64 or 128 digits), a mailbox is an e-mail address, a
 * user given as a UPN is one, and a user or cloud resource holds no control characters. Files, processes and
 * registry keys have no syntax to check. Pure; the reason is a phrase to follow the value ("is not an IP address").
 */
export function valueProblem(type: string, value: string, algorithm?: string): string | undefined {
  const v = value.trim();
  if (v === '') return 'is empty';
  switch (type) {
    case 'ip':
      return bareAddress(v) === undefined ? 'is not an IP address' : undefined;
    case 'url':
      return urlHost(v) === undefined ? 'is not an http(s) URL with a host' : undefined;
    case 'domain':
      return isDomainName(v) ? undefined : 'is not a valid domain name';
    case 'host':
      return isHostName(v) || bareAddress(v) !== undefined ? undefined : 'is not a valid host name';
    case 'hash': {
      if (!HEX.test(v)) return 'is not a hexadecimal digest';
      const want = algorithm === undefined ? undefined : HASH_LENGTHS[algorithm];
      if (want !== undefined) return v.length === want ? undefined : `is not a ${algorithm} digest (${want} hex digits)`;
      return Object.values(HASH_LENGTHS).includes(v.length) ? undefined : 'is not an MD5, SHA-1, SHA-256 or SHA-512 digest';
    }
    case 'mailbox':
      return emailProblem(v);
    case 'user':
      if (CONTROL.test(v)) return 'holds control characters';
      return v.includes('@') ? emailProblem(v) : undefined;
    case 'cloud-resource':
      return CONTROL.test(v) ? 'holds control characters' : undefined;
    default:
      return undefined;
  }
}
