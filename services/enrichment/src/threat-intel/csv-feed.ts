import { canonicalIndicator } from './canonical.ts';
import { readCsv, type CsvRecord } from './csv.ts';
import {
  DEFAULT_FEED_CONFIDENCE,
  indicatorTypeOfWord,
  normaliseWord,
  parseFeedDate,
  parseTagList,
  skip,
  uniq,
  type FeedEntry,
  type FeedParseOptions,
  type FeedParseResult,
} from './feed-entry.ts';
import type { CanonicalIndicator, IndicatorType, IntelAttributes } from './port.ts';

/** Which column holds what; -1 when absent. */
interface Layout {
  hasHeader: boolean;
  indicator: number;
  /** Fixed type when the indicator column's name says it (`IPAddress`), else read from `type`. */
  fixedType: IndicatorType | undefined;
  type: number;
  firstSeen: number;
  dateAdded: number;
  lastSeen: number;
  validUntil: number;
  threatNames: number;
  threatType: number;
  tags: number;
  tlp: number;
  reference: number;
  targetedService: number;
}

const INDICATOR_HEADERS = ['ioc', 'indicator', 'indicatorvalue', 'value', 'observable'];
const TYPE_HEADERS = ['type', 'indicatortype', 'ioctype', 'observabletype'];

/** A first row holding an address, a hash or a date is data, not a header (headerless files). */
const looksLikeData = (row: readonly string[]): boolean =>
  row.some(
    (v) =>
      canonicalIndicator({ type: 'ip', value: v }) !== undefined ||
      canonicalIndicator({ type: 'hash', value: v }) !== undefined ||
      parseFeedDate(v) !== undefined,
  );

function headerLayout(header: readonly string[]): Layout | undefined {
  if (looksLikeData(header)) return undefined;
  const names = header.map(normaliseWord);
  const col = (...candidates: string[]): number => names.findIndex((n) => candidates.includes(n));
  let indicator = col(...INDICATOR_HEADERS);
  let fixedType: IndicatorType | undefined;
  if (indicator < 0) {
    // A single-purpose list names its column after the type (`IPAddress`, `SHA256`, `Domain`).
    indicator = names.findIndex((n) => indicatorTypeOfWord(n) !== undefined);
    fixedType = indicator >= 0 ? indicatorTypeOfWord(names[indicator] ?? '') : undefined;
  }
  if (indicator < 0) return undefined;
  return {
    hasHeader: true,
    indicator,
    fixedType,
    type: fixedType ? -1 : col(...TYPE_HEADERS),
    firstSeen: col('firstseen'),
    dateAdded: col('dateadded', 'created', 'published'),
    lastSeen: col('lastseen'),
    validUntil: col('expirationdatetime', 'expiration', 'expires', 'validuntil'),
    threatNames: col('activitygroupnames', 'threatname', 'threatnames', 'malwarefamily', 'actor'),
    threatType: col('threattype'),
    tags: col('tags'),
    tlp: col('tlp'),
    reference: col('reference'),
    targetedService: col('targetedservice'),
  };
}

/**
 * Headerless files (Microsoft.Covid19.Indicators.csv): a column of type words next to a column whose values
 * are valid indicators of that type, judged on the first record.
 */
function headerlessLayout(first: readonly string[]): Layout | undefined {
  for (let t = 0; t < first.length; t++) {
    const type = indicatorTypeOfWord(first[t] ?? '');
    if (!type) continue;
    const indicator = first.findIndex((v, i) => i !== t && canonicalIndicator({ type, value: v }) !== undefined);
    if (indicator < 0) continue;
    const dateAdded = first.findIndex((v) => parseFeedDate(v) !== undefined);
    return {
      hasHeader: false,
      indicator,
      fixedType: undefined,
      type: t,
      firstSeen: -1,
      dateAdded,
      lastSeen: -1,
      validUntil: -1,
      threatNames: -1,
      threatType: -1,
      tags: -1,
      tlp: -1,
      reference: -1,
      targetedService: -1,
    };
  }
  return undefined;
}

const CIDR = /^[0-9a-f:.]+\/\d{1,3}$/i;

/** Guesses the type of an untyped value by shape: address, hash, URL, then domain. */
function inferType(value: string): CanonicalIndicator | undefined {
  const candidates: IndicatorType[] = value.includes('://') ? ['url'] : ['ip', 'hash', 'domain'];
  for (const type of candidates) {
    const c = canonicalIndicator({ type, value });
    if (c) return c;
  }
  return undefined;
}

const cell = (r: CsvRecord, i: number): string | undefined => (i >= 0 ? r.fields[i]?.trim() : undefined);

/**
 * Parses a CSV IOC list. The layout is detected per file from its header (indicator column `IoC`,
 * `Indicator`, or a type-named column like `IPAddress`; type column `Type`/`IndicatorType`; dates, actor
 * names, tags, TLP) or, without a header, from a type-word column next to valid indicators. Rows of types
 * this module does not match (file paths, command lines, registry keys …) are counted in `skipped`. Files
 * with no indicator column (policy mappings, CIDR lists, lookup tables) come back as `not-a-feed`.
 */
export function parseCsvFeed(text: string, opts: FeedParseOptions): FeedParseResult {
  const records = readCsv(text);
  const first = records[0];
  if (!first) return { kind: 'not-a-feed', reason: 'empty file' };
  const layout = headerLayout(first.fields) ?? headerlessLayout(first.fields);
  if (!layout) {
    const sample = first.fields.slice(0, 4).join(', ');
    const reason = CIDR.test(first.fields[0]?.trim() ?? '')
      ? `CIDR network list (first row: ${sample}); network ranges are not indicators this module matches`
      : `no indicator column (first row: ${sample})`;
    return { kind: 'not-a-feed', reason };
  }
  const entries: FeedEntry[] = [];
  const skipped: Record<string, number> = {};
  for (const r of layout.hasHeader ? records.slice(1) : records) {
    const value = cell(r, layout.indicator) ?? '';
    if (value === '') {
      skip(skipped, 'empty indicator');
      continue;
    }
    let indicator: CanonicalIndicator | undefined;
    if (layout.fixedType) indicator = canonicalIndicator({ type: layout.fixedType, value });
    else if (layout.type >= 0) {
      const word = cell(r, layout.type) ?? '';
      const type = indicatorTypeOfWord(word);
      if (!type) {
        skip(skipped, `unsupported type ${word || '(none)'}`);
        continue;
      }
      indicator = canonicalIndicator({ type, value });
    } else indicator = inferType(value);
    if (!indicator) {
      skip(skipped, 'invalid indicator');
      continue;
    }
    const tlp = cell(r, layout.tlp);
    const threatType = cell(r, layout.threatType);
    const attributes: IntelAttributes = {};
    const reference = cell(r, layout.reference);
    const targeted = cell(r, layout.targetedService);
    if (reference) attributes['feedReference'] = reference;
    if (targeted) attributes['targetedService'] = targeted;
    const dateAdded = parseFeedDate(cell(r, layout.dateAdded));
    if (dateAdded) attributes['dateAdded'] = dateAdded;
    const firstSeen = parseFeedDate(cell(r, layout.firstSeen)) ?? dateAdded;
    const lastSeen = parseFeedDate(cell(r, layout.lastSeen));
    const validUntil = parseFeedDate(cell(r, layout.validUntil));
    entries.push({
      indicator,
      verdict: 'malicious',
      confidence: opts.confidence ?? DEFAULT_FEED_CONFIDENCE,
      threatNames: uniq([...parseTagList(cell(r, layout.threatNames)), ...(opts.threatNames ?? [])]),
      tags: uniq([
        ...parseTagList(cell(r, layout.tags)),
        ...(threatType ? [threatType.toLowerCase()] : []),
        ...(tlp ? [`tlp:${tlp.toLowerCase()}`] : []),
      ]),
      ...(firstSeen ? { firstSeen } : {}),
      ...(lastSeen ? { lastSeen } : {}),
      ...(validUntil ? { validUntil } : {}),
      reference: `${opts.fileName}:${r.line}`,
      attributes,
    });
  }
  return { kind: 'feed', format: 'csv', entries, skipped };
}
