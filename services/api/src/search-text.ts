import { isIPv4, isIPv6 } from 'node:net';
import { domainToASCII } from 'node:url';
import { type EntityType, deriveKey } from '@soc/contracts';

/** Longest token indexed or searched (a SHA-512 in hex is 128): a longer run of letters is dropped, never cut (a cut would match what it is not). */
export const MAX_TOKEN_LENGTH = 128;
/** Shortest token indexed or searched: one letter or digit matches almost every case and costs a write each. */
export const MIN_TOKEN_LENGTH = 2;
/** Distinct tokens indexed per field of one event (a title, a note); the rest of a longer text is not searchable. */
export const MAX_TOKENS_PER_FIELD = 64;
/** Longest search query, in characters. */
export const MAX_QUERY_LENGTH = 256;
/** Terms of one search (each is one index query). */
export const MAX_QUERY_TERMS = 8;

// A run of letters and digits, possibly joined by `. : @ \ / _ -` into one compound (an IP, a domain, a UPN, a
// DOMAIN\user, a path); a leading `::` keeps IPv6 forms such as `::1` and `::ffff:10.0.0.5` whole. Linear: each
// repetition must consume letters or digits after its joiners.
const COMPOUND = /(?:::)?[\p{L}\p{N}]+(?:[.:@\\/_-]+[\p{L}\p{N}]+)*/gu;
const PARTS = /[\p{L}\p{N}]+/gu;

/** Lower case, NFKC (full-width digits, ligatures and compatibility forms become their plain letters), trimmed. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/** The RFC 5952 form of an address (IPv4 dotted quad; IPv4-mapped IPv6 becomes IPv4), or undefined when it is none. */
export function canonicalIp(raw: string): string | undefined {
  const v = raw.startsWith('[') && raw.endsWith(']') ? raw.slice(1, -1) : raw;
  if (isIPv4(v)) return v;
  if (!isIPv6(v) || v.includes('%')) return undefined;
  // The WHATWG URL parser prints the RFC 5952 form (lower case, the longest zero run compressed).
  const printed = new URL(`http://[${v}]/`).hostname.slice(1, -1);
  const mapped = /^::ffff:([0-9a-f]{1,4}):([0-9a-f]{1,4})$/.exec(printed);
  if (mapped?.[1] !== undefined && mapped[2] !== undefined) {
    const hi = parseInt(mapped[1], 16);
    const lo = parseInt(mapped[2], 16);
    return `${hi >> 8}.${hi & 255}.${lo >> 8}.${lo & 255}`;
  }
  return printed;
}

const okLength = (t: string): boolean => t.length >= MIN_TOKEN_LENGTH && t.length <= MAX_TOKEN_LENGTH;

/** A compound's search form: an address in its canonical form, anything else as written (normalised). */
function compoundForm(compound: string): string {
  return canonicalIp(compound) ?? compound;
}

/**
 * The tokens of a text, for the index: every compound whole (an IP in its canonical form, a domain, a UPN, a hash,
 * `contoso\alice`) and each of its parts (`contoso`, `alice`), normalised ({@link normaliseText}), distinct, in order
 * of appearance, at most `max`. Stop words are kept: titles are short, terse and multilingual, and "not", "no" or
 * "on" carry meaning in them; a query of common words is bounded by its limit anyway. Pure.
 */
export function indexTokens(text: string, max: number = MAX_TOKENS_PER_FIELD): string[] {
  const out = new Set<string>();
  for (const match of normaliseText(text).matchAll(COMPOUND)) {
    if (out.size >= max) break;
    const compound = match[0];
    const whole = compoundForm(compound);
    if (okLength(whole)) out.add(whole);
    for (const part of compound.matchAll(PARTS)) {
      if (out.size >= max) break;
      if (okLength(part[0])) out.add(part[0]);
    }
  }
  return [...out];
}

/**
 * The terms of a search query: each compound whole (its parts are implied: the index holds them beside it), IPs
 * canonical, distinct. Every term must match (AND). Terms outside the token length bounds are left out. Pure.
 */
export function queryTerms(q: string): string[] {
  const out = new Set<string>();
  for (const match of normaliseText(q).matchAll(COMPOUND)) {
    const whole = compoundForm(match[0]);
    if (okLength(whole)) out.add(whole);
  }
  return [...out];
}

/**
 * The canonical value of an entity for pivoting: the same thing however a source or an analyst wrote it. NFKC and
 * trimmed; IPs in RFC 5952 form (`::ffff:10.0.0.5` → `10.0.0.5`, brackets dropped); hosts and domains lower-case,
 * punycode, without the trailing dot; hashes, users (UPNs, `DOMAIN\user`) and mailboxes lower-case; URLs, files,
 * processes, registry keys and cloud resources as written (their case can matter). It extends ingestion's
 * `canonicalValue` (which lower-cases IPs but does not compress them), so stored and typed values meet. Pure.
 */
export function canonicalEntityValue(type: EntityType, value: string): string {
  const v = value.normalize('NFKC').trim();
  switch (type) {
    case 'ip':
      return canonicalIp(v) ?? v.toLowerCase();
    case 'host':
    case 'domain': {
      const lower = v.toLowerCase().replace(/\.$/, '');
      const ascii = lower.length <= 253 ? domainToASCII(lower) : '';
      return ascii === '' ? lower : ascii;
    }
    case 'hash':
    case 'mailbox':
    case 'user':
      return v.toLowerCase();
    case 'url':
    case 'file':
    case 'process':
    case 'registry':
    case 'cloud-resource':
      return v;
  }
}

/** The index key of an entity: type and canonical value, hashed to a fixed length (values may be 32 KiB). Pure. */
export function entityKey(type: EntityType, value: string): string {
  return `ek-${deriveKey('entity', type, canonicalEntityValue(type, value))}`;
}
