import { BlockList, isIP } from 'node:net';

/**
 * The address ranges that are internal unless configured otherwise: RFC 1918, loopback, "this network",
 * link-local, carrier-grade NAT (RFC 6598), and IPv6 loopback, unspecified, link-local and unique-local (ULA).
 */
export const DEFAULT_INTERNAL_NETWORKS: readonly string[] = [
  '10.0.0.0/8',
  '172.16.0.0/12',
  '192.168.0.0/16',
  '127.0.0.0/8',
  '0.0.0.0/8',
  '169.254.0.0/16',
  '100.64.0.0/10',
  '::1/128',
  '::/128',
  'fe80::/10',
  'fc00::/7',
];

/** The address without brackets or an IPv6 zone id (`fe80::1%eth0`), or undefined when it is not an address. */
export function bareAddress(value: string): { address: string; family: 'ipv4' | 'ipv6' } | undefined {
  const v = value.trim().replace(/^\[|\]$/g, '');
  const kind = isIP(v);
  if (kind === 4) return { address: v, family: 'ipv4' };
  if (kind === 6) return { address: v.replace(/%.*$/, ''), family: 'ipv6' };
  return undefined;
}

/** One CIDR (`10.0.0.0/8`, `fd00::/8`) or single address, or the reason it is not one. */
function parseCidr(text: string): { address: string; prefix: number; family: 'ipv4' | 'ipv6' } | string {
  const [addr = '', bits, ...rest] = text.trim().split('/');
  const bare = bareAddress(addr);
  if (bare === undefined || rest.length > 0) return `"${text.slice(0, 64)}" is not an address or CIDR range`;
  const max = bare.family === 'ipv4' ? 32 : 128;
  const prefix = bits === undefined ? max : /^\d{1,3}$/.test(bits) ? Number(bits) : NaN;
  if (!(prefix >= 0 && prefix <= max)) return `"${text.slice(0, 64)}" has a prefix outside 0–${max}`;
  return { ...bare, prefix };
}

/**
 * A set of address ranges, asked whether an address falls in one. Pure (Node's `BlockList` holds no I/O). IPv4
 * addresses written as IPv4-mapped IPv6 (`::ffff:10.0.0.1`) match their IPv4 ranges.
 */
export class NetworkSet {
  readonly ranges: readonly string[];
  readonly #list = new BlockList();

  private constructor(ranges: readonly string[]) {
    this.ranges = ranges;
    for (const r of ranges) {
      const c = parseCidr(r);
      if (typeof c === 'string') throw new Error(c);
      this.#list.addSubnet(c.address, c.prefix, c.family);
    }
  }

  /** The set of `ranges`, or every reason one of them is not a CIDR range. */
  static parse(ranges: readonly string[]): { ok: true; set: NetworkSet } | { ok: false; errors: string[] } {
    const errors = ranges.map(parseCidr).filter((c): c is string => typeof c === 'string');
    return errors.length > 0 ? { ok: false, errors } : { ok: true, set: new NetworkSet(ranges.map((r) => r.trim())) };
  }

  /** The set of `ranges`; throws on a range that is not one (for built-in lists and tests). */
  static of(ranges: readonly string[]): NetworkSet {
    const parsed = NetworkSet.parse(ranges);
    if (!parsed.ok) throw new Error(parsed.errors.join('; '));
    return parsed.set;
  }

  /** True when `value` is an address inside one of the ranges; false for anything that is not an address. */
  has(value: string): boolean {
    const bare = bareAddress(value);
    return bare !== undefined && this.#list.check(bare.address, bare.family);
  }
}

/**
 * The organisation's internal address ranges: the one owner of "is this address ours". Ingestion sets every IP
 * entity's `isInternal` from it (whatever the sender said) and the containment guardrail decides with it. Configured
 * by the platform variable `SOC_INTERNAL_NETWORKS` (comma-separated CIDR ranges; default
 * {@link DEFAULT_INTERNAL_NETWORKS}).
 */
export type InternalNetworks = NetworkSet;

/** The default internal ranges as a set. */
export const defaultInternalNetworks: InternalNetworks = NetworkSet.of(DEFAULT_INTERNAL_NETWORKS);

/**
 * Parses `SOC_INTERNAL_NETWORKS`: comma-separated CIDR ranges (blank: the defaults). `+` first keeps the defaults
 * and adds the ranges after it (`+203.0.113.0/24`), so a team with public address space of its own does not
 * have to repeat RFC 1918.
 */
export function parseInternalNetworks(text: string | undefined): { ok: true; set: InternalNetworks } | { ok: false; errors: string[] } {
  const t = (text ?? '').trim();
  if (t === '') return { ok: true, set: defaultInternalNetworks };
  const extend = t.startsWith('+');
  const listed = (extend ? t.slice(1) : t).split(',').map((s) => s.trim()).filter((s) => s !== '');
  return NetworkSet.parse(extend ? [...DEFAULT_INTERNAL_NETWORKS, ...listed] : listed);
}
