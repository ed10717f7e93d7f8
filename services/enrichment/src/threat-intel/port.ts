/** What a threat-intelligence source can be asked about. */
export const INDICATOR_TYPES = ['ip', 'domain', 'url', 'hash'] as const;
export type IndicatorType = (typeof INDICATOR_TYPES)[number];

/** An indicator as the caller has it (possibly defanged, mixed case, un-normalised). */
export interface Indicator {
  type: IndicatorType;
  value: string;
}

export type HashAlgorithm = 'md5' | 'sha1' | 'sha256' | 'sha512';

/** An indicator after {@link canonicalIndicator}: the form every index and cache is keyed by. */
export interface CanonicalIndicator {
  type: IndicatorType;
  value: string;
  /** `<type>:<value>`; equal keys mean the same indicator. */
  key: string;
  /** Set for hashes, from the length of the hex digest. */
  algorithm?: HashAlgorithm;
}

/** What a source says about an indicator; `unknown` when it has no opinion (e.g. VirusTotal 404). */
export type IntelVerdict = 'malicious' | 'suspicious' | 'harmless' | 'unknown';

/** Where a finding came from and how much to trust it. */
export interface IntelProvenance {
  /** The source, e.g. `feed:SOURGUM`, `stix:<file>`, `misp:<file>`, `virustotal`. */
  source: string;
  /** When the source produced the answer (feed load time, HTTP response time); a cache keeps the original. */
  fetchedAt: string;
  /** 0–100: how strongly the source backs the verdict. */
  confidence: number;
  /** True when the answer came from a cache rather than the source. */
  cacheHit: boolean;
}

/** Scalar attributes, the same shape as `Fact.attributes`. */
export type IntelAttributes = Record<string, string | number | boolean | null>;

/** One source's statement about one indicator. */
export interface IntelFinding {
  indicator: CanonicalIndicator;
  verdict: IntelVerdict;
  /** Named threats: malware families, actors, campaigns, detection names. */
  threatNames: string[];
  tags: string[];
  firstSeen?: string;
  lastSeen?: string;
  /** Where to look it up: `<file>:<line>`, a STIX object id, a MISP attribute uuid, a VirusTotal GUI link. */
  reference: string;
  provenance: IntelProvenance;
  attributes: IntelAttributes;
}

/**
 * Threat-intelligence lookups. Indicators are canonicalised by the implementation; invalid ones yield no
 * finding. No finding for an indicator means the source knows nothing about it.
 */
export interface ThreatIntel {
  lookup(indicators: readonly Indicator[]): Promise<IntelFinding[]>;
}
