import { readdir, readFile, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import { AppError, ErrorCode, type Clock } from '@soc/runtime';
import { canonicalIndicators } from './canonical.ts';
import { parseFeed } from './feeds.ts';
import type { FeedEntry, FeedFormat, FeedParseResult } from './feed-entry.ts';
import type { Indicator, IntelFinding, ThreatIntel } from './port.ts';

/** A feed file, or a directory whose `.csv`/`.json` files are each a feed, as configured by the operator. */
export interface FeedSpec {
  path: string;
  /** Defaults to the file name without extension; findings name the source `feed:<name>`. */
  name?: string;
  /** Confidence (0–100) of entries that do not state one. Default 80. */
  confidence?: number;
  /** Threat names attached to every entry (e.g. `['SOURGUM']`). */
  threatNames?: string[];
}

/** What loading one file gave: its entries, or why it is not an indicator feed. */
export interface FeedLoadReport {
  name: string;
  file: string;
  status: 'loaded' | 'not-a-feed';
  format?: FeedFormat;
  entries: number;
  /** Rows or objects left out, by reason (e.g. `unsupported type FilePath: 2`). */
  skipped: Record<string, number>;
  reason?: string;
}

/** A feed already read and parsed: the pure input of {@link LocalFeedThreatIntel}. */
export interface LoadedFeed {
  name: string;
  file: string;
  result: FeedParseResult;
}

/** Options of {@link LocalFeedThreatIntel}. */
export interface LocalFeedThreatIntelOptions {
  clock: Clock;
}

interface Indexed {
  source: string;
  format: FeedFormat;
  entry: FeedEntry;
}

const FEED_EXTENSIONS = new Set(['.csv', '.json']);

/**
 * Threat intel from local feed files (CSV IOC lists, Microsoft JSON rows, STIX 2.1 bundles, MISP exports),
 * loaded once and held in an in-memory index keyed by canonical indicator. An entry past its `validUntil`
 * is still reported, as `suspicious` at half confidence with `expired: true` (a former C2 address is worth
 * knowing, but is no longer a live indicator).
 */
export class LocalFeedThreatIntel implements ThreatIntel {
  /** One line per file: loaded with how many entries, or not a feed and why. Log it at start-up. */
  readonly report: readonly FeedLoadReport[];
  readonly #index = new Map<string, Indexed[]>();
  readonly #loadedAt: string;
  readonly #clock: Clock;

  constructor(feeds: readonly LoadedFeed[], opts: LocalFeedThreatIntelOptions) {
    this.#clock = opts.clock;
    this.#loadedAt = opts.clock.now().toISOString();
    const report: FeedLoadReport[] = [];
    for (const f of feeds) {
      if (f.result.kind === 'not-a-feed') {
        report.push({
          name: f.name,
          file: f.file,
          status: 'not-a-feed',
          entries: 0,
          skipped: {},
          reason: f.result.reason,
        });
        continue;
      }
      const { format, entries, skipped } = f.result;
      for (const entry of entries) {
        const list = this.#index.get(entry.indicator.key) ?? [];
        list.push({ source: `feed:${f.name}`, format, entry });
        this.#index.set(entry.indicator.key, list);
      }
      report.push({ name: f.name, file: f.file, status: 'loaded', format, entries: entries.length, skipped });
    }
    this.report = report;
  }

  /**
   * Reads and parses the configured files (a directory contributes each `.csv`/`.json` file in it). A file
   * that is not an indicator feed is reported, not fatal; an unreadable path stops start-up.
   */
  static async load(specs: readonly FeedSpec[], opts: LocalFeedThreatIntelOptions): Promise<LocalFeedThreatIntel> {
    const feeds: LoadedFeed[] = [];
    for (const spec of specs) {
      let files: string[];
      try {
        files = (await stat(spec.path)).isDirectory()
          ? (await readdir(spec.path))
              .filter((f) => FEED_EXTENSIONS.has(extname(f).toLowerCase()))
              .sort()
              .map((f) => join(spec.path, f))
          : [spec.path];
      } catch (error) {
        throw new AppError(ErrorCode.CONFIGURATION_INVALID, `threat-intel feed ${spec.path} cannot be read`, {
          retryable: false,
          cause: error,
        });
      }
      for (const file of files) {
        const fileName = basename(file);
        const name = files.length === 1 && spec.name ? spec.name : basename(file, extname(file));
        const text = await readFile(file, 'utf8');
        const result = parseFeed(text, {
          fileName,
          ...(spec.confidence !== undefined ? { confidence: spec.confidence } : {}),
          ...(spec.threatNames ? { threatNames: spec.threatNames } : {}),
        });
        feeds.push({ name, file: fileName, result });
      }
    }
    return new LocalFeedThreatIntel(feeds, opts);
  }

  /** Number of distinct canonical indicators indexed. */
  get size(): number {
    return this.#index.size;
  }

  lookup(indicators: readonly Indicator[]): Promise<IntelFinding[]> {
    const now = this.#clock.now().getTime();
    const findings: IntelFinding[] = [];
    for (const indicator of canonicalIndicators(indicators)) {
      for (const { source, format, entry } of this.#index.get(indicator.key) ?? []) {
        const expired = entry.validUntil !== undefined && Date.parse(entry.validUntil) < now;
        findings.push({
          indicator,
          verdict: expired && entry.verdict === 'malicious' ? 'suspicious' : entry.verdict,
          threatNames: [...entry.threatNames],
          tags: [...entry.tags],
          ...(entry.firstSeen ? { firstSeen: entry.firstSeen } : {}),
          ...(entry.lastSeen ? { lastSeen: entry.lastSeen } : {}),
          reference: entry.reference,
          provenance: {
            source,
            fetchedAt: this.#loadedAt,
            confidence: expired ? Math.round(entry.confidence / 2) : entry.confidence,
            cacheHit: false,
          },
          attributes: {
            ...entry.attributes,
            feedFormat: format,
            ...(entry.validUntil ? { validUntil: entry.validUntil, expired } : {}),
          },
        });
      }
    }
    return Promise.resolve(findings);
  }
}
