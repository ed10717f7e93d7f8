import { BlockList, isIP } from 'node:net';
import { z } from 'zod';
import { AppError, ErrorCode, type Clock } from '@soc/runtime';
import { canonicalIndicators, isNonPublicIp } from './canonical.ts';
import { requestJson, unexpectedShape } from '../http-json.ts';
import type {
  CanonicalIndicator,
  Indicator,
  IntelAttributes,
  IntelFinding,
  IntelVerdict,
  ThreatIntel,
} from './port.ts';

const Count = z.number().int().min(0);

/** `last_analysis_stats`: how many engines put the object in each category. */
export const VtAnalysisStats = z.object({
  malicious: Count.default(0),
  suspicious: Count.default(0),
  harmless: Count.default(0),
  undetected: Count.default(0),
  timeout: Count.default(0),
});
export type VtAnalysisStats = z.infer<typeof VtAnalysisStats>;

const Epoch = z.number().int().min(0);

/** The part of a v3 object (`file`, `url`, `domain`, `ip_address`) this adapter reads. */
export const VtObject = z.object({
  type: z.enum(['file', 'url', 'domain', 'ip_address']),
  id: z.string().min(1).max(2048),
  attributes: z.object({
    last_analysis_stats: VtAnalysisStats.optional(),
    last_analysis_date: Epoch.optional(),
    first_submission_date: Epoch.optional(),
    reputation: z.number().int().optional(),
    tags: z.array(z.string().max(256)).max(256).default([]),
    threat_names: z.array(z.string().max(256)).max(256).optional(),
    meaningful_name: z.string().max(1024).optional(),
    popular_threat_classification: z
      .object({
        suggested_threat_label: z.string().max(256).optional(),
        popular_threat_name: z.array(z.object({ value: z.string().max(256), count: Count })).optional(),
      })
      .optional(),
  }),
});
export type VtObject = z.infer<typeof VtObject>;

/** A v3 object response: `{ data: { type, id, attributes } }`. */
export const VtObjectResponse = z.object({ data: VtObject });

/** Engines needed for a verdict; see {@link verdictFromStats}. */
export interface VtThresholds {
  /** At least this many engines saying `malicious` make the verdict malicious. Default 3. */
  maliciousEngines: number;
}

export const DEFAULT_VT_THRESHOLDS: VtThresholds = { maliciousEngines: 3 };

/**
 * The verdict from `last_analysis_stats`. Engines that answered are malicious + suspicious + harmless +
 * undetected (timeouts, failures and unsupported types are not answers). No answer: `unknown`;
 * ≥ `maliciousEngines` malicious: `malicious`; any malicious or suspicious: `suspicious`; else `harmless`.
 * Confidence is the share (0–100) of answering engines that back the verdict.
 */
export function verdictFromStats(
  stats: VtAnalysisStats,
  thresholds: VtThresholds = DEFAULT_VT_THRESHOLDS,
): { verdict: IntelVerdict; confidence: number } {
  const answered = stats.malicious + stats.suspicious + stats.harmless + stats.undetected;
  const share = (n: number): number => Math.round((100 * n) / answered);
  if (answered === 0) return { verdict: 'unknown', confidence: 0 };
  if (stats.malicious >= thresholds.maliciousEngines)
    return { verdict: 'malicious', confidence: share(stats.malicious) };
  if (stats.malicious + stats.suspicious > 0)
    return { verdict: 'suspicious', confidence: share(stats.malicious + stats.suspicious) };
  return { verdict: 'harmless', confidence: share(stats.harmless + stats.undetected) };
}

/** Options of {@link VirusTotalThreatIntel}; all from configuration, never from alert content. */
export interface VirusTotalThreatIntelOptions {
  apiKey: string;
  /** Default `https://www.virustotal.com`. */
  baseUrl?: string;
  fetch?: typeof globalThis.fetch;
  clock: Clock;
  thresholds?: VtThresholds;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** Larger bodies are refused. Default 8 MiB (file reports with full engine results are large). */
  maxResponseBytes?: number;
  /** What is never looked up, besides {@link DEFAULT_VT_EXCLUDED_DOMAINS} and non-public addresses. */
  exclude?: VtExclusions;
}

/** The organisation's own names and addresses, never sent to VirusTotal. */
export interface VtExclusions {
  /** Domains (each with its subdomains), e.g. `contoso.com` for an internal zone of a public name. */
  domains?: readonly string[];
  /** CIDR ranges (`203.0.113.0/24`, `2001:db8::/32`) or single addresses, e.g. the organisation's public egress. */
  networks?: readonly string[];
  /**
   * The organisation's internal ranges as the platform knows them (`SOC_INTERNAL_NETWORKS`, which may hold public
   * ranges it owns): an address in them is never looked up, like a non-public one.
   */
  internal?: { has(address: string): boolean };
}

/**
 * Suffixes that only name things inside an organisation (RFC 6762 `.local`, RFC 8375 `.home.arpa`, ICANN's
 * `.internal`, and the de-facto `.corp`, `.lan`, `.intranet`, `.localdomain`, `.private`): never looked up, as are
 * single-label host names.
 */
export const DEFAULT_VT_EXCLUDED_DOMAINS: readonly string[] = ['local', 'localdomain', 'internal', 'intranet', 'corp', 'lan', 'home.arpa', 'private'];

const GUI = 'https://www.virustotal.com/gui';

function endpointOf(i: CanonicalIndicator): { path: string; gui: string } {
  switch (i.type) {
    case 'ip':
      return { path: `ip_addresses/${encodeURIComponent(i.value)}`, gui: 'ip-address' };
    case 'domain':
      return { path: `domains/${encodeURIComponent(i.value)}`, gui: 'domain' };
    case 'url':
      // The v3 URL identifier: unpadded base64url of the URL.
      return { path: `urls/${Buffer.from(i.value, 'utf8').toString('base64url')}`, gui: 'url' };
    case 'hash':
      return { path: `files/${i.value}`, gui: 'file' };
  }
}

const toIso = (epochSeconds: number | undefined): string | undefined =>
  epochSeconds === undefined ? undefined : new Date(epochSeconds * 1000).toISOString();

/** Turns a parsed v3 object into a finding. Pure. */
export function findingFromVtObject(
  indicator: CanonicalIndicator,
  data: VtObject,
  fetchedAt: string,
  thresholds: VtThresholds = DEFAULT_VT_THRESHOLDS,
): IntelFinding {
  const a = data.attributes;
  const stats = a.last_analysis_stats ?? VtAnalysisStats.parse({});
  const { verdict, confidence } = verdictFromStats(stats, thresholds);
  const ptc = a.popular_threat_classification;
  const threatNames = [
    ...(ptc?.suggested_threat_label ? [ptc.suggested_threat_label] : []),
    ...(ptc?.popular_threat_name ?? []).map((n) => n.value),
    ...(a.threat_names ?? []),
  ];
  const attributes: IntelAttributes = {
    malicious: stats.malicious,
    suspicious: stats.suspicious,
    harmless: stats.harmless,
    undetected: stats.undetected,
  };
  if (a.reputation !== undefined) attributes['reputation'] = a.reputation;
  if (a.meaningful_name) attributes['meaningfulName'] = a.meaningful_name;
  const firstSeen = toIso(a.first_submission_date);
  const lastSeen = toIso(a.last_analysis_date);
  return {
    indicator,
    verdict,
    threatNames: [...new Set(threatNames)],
    tags: [...a.tags],
    ...(firstSeen ? { firstSeen } : {}),
    ...(lastSeen ? { lastSeen } : {}),
    reference: `${GUI}/${endpointOf(indicator).gui}/${data.id}`,
    provenance: { source: 'virustotal', fetchedAt, confidence, cacheHit: false },
    attributes,
  };
}


/**
 * VirusTotal API v3 lookups (`/api/v3/ip_addresses/{ip}`, `/domains/{d}`, `/urls/{id}`, `/files/{hash}`,
 * header `x-apikey`), one request per canonical indicator, in order. 404 (and 400, an identifier VirusTotal
 * refuses) is a finding with verdict `unknown`;
 * 429 throws a retryable `RATE_LIMITED`, 401/403 a non-retryable `UNAUTHORIZED`, 5xx, network faults and
 * timeouts retryable errors, so a circuit breaker around this adapter counts them. Redirects are not followed.
 * Private, loopback and other non-public addresses, internal names (single-label hosts,
 * {@link DEFAULT_VT_EXCLUDED_DOMAINS} and the configured exclusions) are never sent (no request, no finding), and
 * a URL is looked up without its query string, fragment and userinfo.
 */
export class VirusTotalThreatIntel implements ThreatIntel {
  readonly #apiKey: string;
  readonly #base: URL;
  readonly #fetch: typeof globalThis.fetch;
  readonly #clock: Clock;
  readonly #thresholds: VtThresholds;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(opts: VirusTotalThreatIntelOptions) {
    if (opts.apiKey.trim() === '') throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'VirusTotal API key is empty', { retryable: false });
    const base = new URL('/api/v3/', opts.baseUrl ?? 'https://www.virustotal.com');
    if (base.protocol !== 'https:' && base.protocol !== 'http:')
      throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'VirusTotal base URL must be http(s)', { retryable: false });
    this.#apiKey = opts.apiKey;
    this.#base = base;
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#clock = opts.clock;
    this.#thresholds = opts.thresholds ?? DEFAULT_VT_THRESHOLDS;
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#maxBytes = opts.maxResponseBytes ?? 8 * 1024 * 1024;
    this.#excludedDomains = [...DEFAULT_VT_EXCLUDED_DOMAINS, ...(opts.exclude?.domains ?? [])].map((d) => d.trim().toLowerCase().replace(/^\.+|\.+$/g, '')).filter((d) => d !== '');
    for (const network of opts.exclude?.networks ?? []) addNetwork(this.#excludedNetworks, network);
    this.#internal = opts.exclude?.internal;
  }

  readonly #excludedDomains: readonly string[];
  readonly #excludedNetworks = new BlockList();
  readonly #internal: VtExclusions['internal'];

  async lookup(indicators: readonly Indicator[]): Promise<IntelFinding[]> {
    const findings: IntelFinding[] = [];
    for (const indicator of canonicalIndicators(indicators)) {
      const sent = this.#sendable(indicator);
      if (sent === undefined) continue;
      findings.push(await this.#lookupOne(indicator, sent));
    }
    return findings;
  }

  /**
   * What VirusTotal may be sent for an indicator, or undefined for nothing: internal addresses and names never
   * leave; a URL goes without its query string (SAS tokens, session ids, e-mail addresses), fragment and userinfo,
   * so VirusTotal is asked about the resource (scheme, host, port, path), which is what its URL reports describe.
   */
  #sendable(indicator: CanonicalIndicator): CanonicalIndicator | undefined {
    switch (indicator.type) {
      case 'hash':
        return indicator;
      case 'ip':
        return this.#isInternalHost(indicator.value) ? undefined : indicator;
      case 'domain':
        return this.#isInternalHost(indicator.value) ? undefined : indicator;
      case 'url': {
        const url = new URL(indicator.value);
        if (this.#isInternalHost(url.hostname)) return undefined;
        url.username = '';
        url.password = '';
        url.search = '';
        url.hash = '';
        return { ...indicator, value: url.href };
      }
    }
  }

  #isInternalHost(host: string): boolean {
    const bare = host.startsWith('[') && host.endsWith(']') ? host.slice(1, -1) : host;
    const family = isIP(bare);
    if (family !== 0) return isNonPublicIp(bare) || this.#excludedNetworks.check(bare, family === 6 ? 'ipv6' : 'ipv4') || (this.#internal?.has(bare) ?? false);
    const name = bare.toLowerCase().replace(/\.$/, '');
    if (!name.includes('.')) return true;
    return this.#excludedDomains.some((d) => name === d || name.endsWith(`.${d}`));
  }

  async #lookupOne(indicator: CanonicalIndicator, sent: CanonicalIndicator): Promise<IntelFinding> {
    const { path } = endpointOf(sent);
    const what = `VirusTotal ${indicator.type} lookup`;
    const { status, body } = await requestJson(new URL(path, this.#base), {
      fetch: this.#fetch,
      headers: { 'x-apikey': this.#apiKey },
      timeoutMs: this.#timeoutMs,
      maxBytes: this.#maxBytes,
      what,
      refusedHint: 'check the API key',
      // 404: VirusTotal has never seen it. 400: it refuses the identifier (a URL or name it will not parse);
      // either way it has no opinion, and one odd indicator must not fail the others.
      passStatuses: [404, 400],
    });
    const fetchedAt = this.#clock.now().toISOString();
    if (status === 404 || status === 400) {
      return {
        indicator,
        verdict: 'unknown',
        threatNames: [],
        tags: [],
        reference: `${GUI}/${endpointOf(indicator).gui}/${indicator.type === 'url' ? path.slice('urls/'.length) : indicator.value}`,
        provenance: { source: 'virustotal', fetchedAt, confidence: 0, cacheHit: false },
        attributes: status === 404 ? { notFound: true } : { rejected: true },
      };
    }
    const parsed = VtObjectResponse.safeParse(body);
    if (!parsed.success) throw unexpectedShape(what, z.prettifyError(parsed.error));
    return findingFromVtObject(indicator, parsed.data.data, fetchedAt, this.#thresholds);
  }
}

/** Adds a CIDR range or one address to `list`; a bad entry is a configuration error. */
function addNetwork(list: BlockList, network: string): void {
  const [address = '', prefix] = network.trim().split('/');
  const family = isIP(address);
  const bits = prefix === undefined ? (family === 6 ? 128 : 32) : Number(prefix);
  if (family === 0 || !Number.isInteger(bits) || bits < 0 || bits > (family === 6 ? 128 : 32)) {
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, `VirusTotal exclusion "${network}" is not an address or CIDR range`, { retryable: false });
  }
  list.addSubnet(address, bits, family === 6 ? 'ipv6' : 'ipv4');
}
