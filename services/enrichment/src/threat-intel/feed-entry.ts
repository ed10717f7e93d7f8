import type { CanonicalIndicator, IndicatorType, IntelAttributes, IntelVerdict } from './port.ts';

/** One indexed indicator from a feed file. */
export interface FeedEntry {
  indicator: CanonicalIndicator;
  verdict: IntelVerdict;
  /** 0–100. */
  confidence: number;
  threatNames: string[];
  tags: string[];
  firstSeen?: string;
  lastSeen?: string;
  /** After this instant the entry is reported as expired (see the README). */
  validUntil?: string;
  reference: string;
  attributes: IntelAttributes;
}

/** Formats a feed file can have. */
export type FeedFormat = 'csv' | 'microsoft-json' | 'stix' | 'misp';

/** A file that held indicators; `skipped` counts rows or objects left out, by reason. */
export interface ParsedFeed {
  kind: 'feed';
  format: FeedFormat;
  entries: FeedEntry[];
  skipped: Record<string, number>;
}

/** A file that is not an indicator feed (policy mappings, lookup tables …), with why. */
export interface NotAFeed {
  kind: 'not-a-feed';
  reason: string;
}

export type FeedParseResult = ParsedFeed | NotAFeed;

/** How entries of one feed file are labelled. */
export interface FeedParseOptions {
  /** The file name, used in references (`<file>:<line>`). */
  fileName: string;
  /** Confidence (0–100) of entries whose source does not state one. Default 80. */
  confidence?: number;
  /** Threat names the operator attaches to every entry of the feed (e.g. `SOURGUM`). */
  threatNames?: readonly string[];
}

export const DEFAULT_FEED_CONFIDENCE = 80;

/** Counts a skipped row under its reason. */
export function skip(skipped: Record<string, number>, reason: string): void {
  skipped[reason] = (skipped[reason] ?? 0) + 1;
}

/** Lower-case alphanumerics only: how column names and type words are compared. */
export const normaliseWord = (s: string): string => s.toLowerCase().replace(/[^a-z0-9]/g, '');

const TYPE_WORDS: Readonly<Record<string, IndicatorType>> = {
  ip: 'ip',
  ipv4: 'ip',
  ipv6: 'ip',
  ipaddress: 'ip',
  ipv4addr: 'ip',
  ipv6addr: 'ip',
  networkip: 'ip',
  domain: 'domain',
  domainname: 'domain',
  hostname: 'domain',
  fqdn: 'domain',
  url: 'url',
  md5: 'hash',
  sha1: 'hash',
  sha256: 'hash',
  sha512: 'hash',
  hash: 'hash',
  filehash: 'hash',
  filehashsha256: 'hash',
};

/** The indicator type a feed's type word names (`domainname`, `IP`, `sha256` …), if a supported one. */
export function indicatorTypeOfWord(word: string): IndicatorType | undefined {
  return TYPE_WORDS[normaliseWord(word)];
}

const ISO_DATE = /^\d{4}-\d{2}-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(Z|[+-]\d{2}:?\d{2})?)?$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4}|\d{2})(?:\s+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\s*([AaPp][Mm]))?)?$/;

/**
 * A feed date as an ISO instant, or undefined. Accepts ISO 8601 (a zone-less time is UTC) and the US
 * `M/D/YY[YY] [h:mm[:ss] [AM|PM]]` form Microsoft's feeds use (read as UTC; two-digit years are 20YY).
 */
export function parseFeedDate(raw: string | undefined): string | undefined {
  const s = raw?.trim();
  if (!s || s.length > 40) return undefined;
  let ms: number;
  const iso = ISO_DATE.exec(s);
  const us = iso ? null : US_DATE.exec(s);
  if (iso) {
    const dateOnly = s.length === 10;
    ms = Date.parse(dateOnly ? `${s}T00:00:00Z` : iso[1] ? s.replace(' ', 'T') : `${s.replace(' ', 'T')}Z`);
  } else if (us) {
    const [, mo, d, y, h, mi, sec, ampm] = us;
    const year = Number(y) + ((y ?? '').length === 2 ? 2000 : 0);
    let hour = Number(h ?? 0);
    if (ampm) hour = (hour % 12) + (ampm.toLowerCase() === 'pm' ? 12 : 0);
    const month = Number(mo) - 1;
    const day = Number(d);
    ms = Date.UTC(year, month, day, hour, Number(mi ?? 0), Number(sec ?? 0));
    // Date.UTC rolls 2/31 over into March; a feed date that does not exist is no date.
    if (new Date(ms).getUTCDate() !== day || new Date(ms).getUTCMonth() !== month) return undefined;
  } else return undefined;
  return Number.isFinite(ms) ? new Date(ms).toISOString() : undefined;
}

/** Splits a tags cell: a JSON array of strings (`["Barium", "APT41"]`) or a `;`/`,` separated list. */
export function parseTagList(raw: string | undefined): string[] {
  const s = raw?.trim();
  if (!s) return [];
  if (s.startsWith('[')) {
    try {
      const v: unknown = JSON.parse(s);
      if (Array.isArray(v))
        return v
          .filter((x): x is string => typeof x === 'string')
          .map((x) => x.trim())
          .filter(Boolean);
    } catch {
      // not JSON after all: fall through to the separated form
    }
  }
  return s
    .split(/[;,]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

/** Unique, non-empty, in first-seen order. */
export const uniq = (xs: readonly string[]): string[] => [...new Set(xs.filter((x) => x !== ''))];
