export type {
  CanonicalIndicator,
  HashAlgorithm,
  Indicator,
  IndicatorType,
  IntelAttributes,
  IntelFinding,
  IntelProvenance,
  IntelVerdict,
  ThreatIntel,
} from './port.ts';
export { INDICATOR_TYPES } from './port.ts';
export { canonicalIndicator, canonicalIndicators, isNonPublicIp, refang } from './canonical.ts';
export { parseFeed } from './feeds.ts';
export type { FeedEntry, FeedFormat, FeedParseOptions, FeedParseResult, NotAFeed, ParsedFeed } from './feed-entry.ts';
export { LocalFeedThreatIntel } from './local-feed.ts';
export type { FeedLoadReport, FeedSpec, LoadedFeed, LocalFeedThreatIntelOptions } from './local-feed.ts';
export { DEFAULT_VT_THRESHOLDS, VirusTotalThreatIntel, verdictFromStats } from './virustotal.ts';
export type { VirusTotalThreatIntelOptions, VtThresholds } from './virustotal.ts';
export { MispRestThreatIntel } from './misp-rest.ts';
export type { MispRestThreatIntelOptions } from './misp-rest.ts';
export { CachingThreatIntel } from './caching.ts';
export type { CachingThreatIntelOptions } from './caching.ts';
export { withBreaker } from './with-breaker.ts';
export type { BreakerHandle } from './with-breaker.ts';
export { indicatorsFromEntities, intelFact } from './facts.ts';
export type { EntityIndicator } from './facts.ts';
