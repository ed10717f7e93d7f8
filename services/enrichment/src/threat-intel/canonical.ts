import { BlockList, isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import type { CanonicalIndicator, HashAlgorithm, Indicator, IndicatorType } from './port.ts';

/** Longest value accepted for lookup; alert entity values are capped at 2,048 characters too. */
export const MAX_INDICATOR_LENGTH = 4096;

// Bracketed defang markers and hxxp-style schemes. One alternation without nested quantifiers: linear time.
const DEFANG =
  /\[\.\]|\(\.\)|\{\.\}|\[dot\]|\(dot\)|\{dot\}|\[:\/\/\]|\[:\]|\[\/\]|\[@\]|\(@\)|\[at\]|\(at\)|^h(?:xx|\*\*)p(s?)(?=:|\[:)|^fxp(?=:|\[:)/gi;

/** Undoes common defanging (`hxxps://evil[.]example[.]com`, `1[.]2[.]3[.]4`). */
export function refang(value: string): string {
  return value.replace(DEFANG, (token: string, s: string | undefined) => {
    const t = token.toLowerCase();
    if (t.startsWith('h')) return s ? 'https' : 'http';
    if (t === 'fxp') return 'ftp';
    const inner = t.slice(1, -1);
    if (inner === 'dot') return '.';
    if (inner === 'at') return '@';
    return inner;
  });
}

const HASH_LENGTHS: Readonly<Record<number, HashAlgorithm>> = { 32: 'md5', 40: 'sha1', 64: 'sha256', 128: 'sha512' };
const HEX = /^[0-9a-f]+$/;
const LABEL = /^(?!-)[a-z0-9_-]{1,63}(?<!-)$/;
const TLD = /^(?:[a-z]{2,63}|xn--[a-z0-9-]{1,59})$/;

function canonicalIp(raw: string): string | undefined {
  const v = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (isIPv4(v)) return v;
  if (!isIPv6(v) || v.includes('%')) return undefined;
  // The WHATWG URL parser prints the RFC 5952 form (lower case, longest zero run compressed).
  const printed = new URL(`http://[${v}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(printed);
  if (mapped?.[1] && mapped[2]) {
    const hi = parseInt(mapped[1], 16);
    const lo = parseInt(mapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return printed;
}

function canonicalDomain(raw: string): string | undefined {
  const ascii = domainToASCII(raw.replace(/\.$/, ''));
  if (ascii === '' || ascii.length > 253) return undefined;
  const labels = ascii.split('.');
  if (labels.length < 2 || !labels.every((l) => LABEL.test(l))) return undefined;
  if (!TLD.test(labels[labels.length - 1] ?? '')) return undefined;
  return ascii;
}

function canonicalUrl(raw: string): string | undefined {
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(raw) ? raw : `http://${raw}`;
  let url: URL;
  try {
    url = new URL(withScheme);
  } catch {
    return undefined;
  }
  if (!['http:', 'https:', 'ftp:'].includes(url.protocol) || url.hostname === '') return undefined;
  // Credentials are secrets, and the fragment never reaches a server: neither identifies the resource.
  url.username = '';
  url.password = '';
  url.hash = '';
  if (url.hostname.endsWith('.')) url.hostname = url.hostname.slice(0, -1);
  return url.href;
}

function canonicalHash(raw: string): { value: string; algorithm: HashAlgorithm } | undefined {
  const v = raw.toLowerCase();
  const algorithm = HASH_LENGTHS[v.length];
  return algorithm && HEX.test(v) ? { value: v, algorithm } : undefined;
}

/**
 * The canonical form of an indicator, or undefined when it is not a valid one: refanged and trimmed;
 * IPv4 dotted quad / RFC 5952 IPv6 (IPv4-mapped IPv6 becomes IPv4); lower-case punycode domains without the
 * trailing dot; WHATWG-normalised http(s)/ftp URLs without credentials or fragment (`http://` assumed when
 * no scheme); lower-case hex hashes of 32/40/64/128 digits.
 */
export function canonicalIndicator(indicator: Indicator): CanonicalIndicator | undefined {
  if (indicator.value.length > MAX_INDICATOR_LENGTH) return undefined;
  const raw = refang(indicator.value.trim());
  // Inside a URL a space is percent-encoded by the parser; in any other indicator it makes it invalid.
  if (raw === '' || (indicator.type !== 'url' && /\s/.test(raw))) return undefined;
  const make = (type: IndicatorType, value: string | undefined): CanonicalIndicator | undefined =>
    value === undefined ? undefined : { type, value, key: `${type}:${value}` };
  switch (indicator.type) {
    case 'ip':
      return make('ip', canonicalIp(raw));
    case 'domain':
      return make('domain', canonicalDomain(raw));
    case 'url':
      return make('url', canonicalUrl(raw));
    case 'hash': {
      const h = canonicalHash(raw);
      return h ? { type: 'hash', value: h.value, key: `hash:${h.value}`, algorithm: h.algorithm } : undefined;
    }
  }
}

/** Canonicalises and de-duplicates, keeping the first occurrence's order; invalid indicators are dropped. */
export function canonicalIndicators(indicators: readonly Indicator[]): CanonicalIndicator[] {
  const seen = new Map<string, CanonicalIndicator>();
  for (const i of indicators) {
    const c = canonicalIndicator(i);
    if (c && !seen.has(c.key)) seen.set(c.key, c);
  }
  return [...seen.values()];
}

// Addresses that identify nothing outside the organisation: sending them to an external service leaks
// internal topology and cannot return intel.
const NON_PUBLIC = new BlockList();
for (const [net, prefix] of [
  ['0.0.0.0', 8],
  ['10.0.0.0', 8],
  ['100.64.0.0', 10],
  ['127.0.0.0', 8],
  ['169.254.0.0', 16],
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 3],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv4');
}
for (const [net, prefix] of [
  ['::', 127],
  ['fc00::', 7],
  ['fe80::', 10],
  ['ff00::', 8],
  ['2001:db8::', 32],
] as const) {
  NON_PUBLIC.addSubnet(net, prefix, 'ipv6');
}

/** True for private, loopback, link-local, CGNAT, documentation, multicast and reserved addresses. */
export function isNonPublicIp(canonicalIp: string): boolean {
  return NON_PUBLIC.check(canonicalIp, canonicalIp.includes(':') ? 'ipv6' : 'ipv4');
}
