import { z } from 'zod';
import { canonicalIndicator } from './canonical.ts';
import {
  DEFAULT_FEED_CONFIDENCE,
  indicatorTypeOfWord,
  parseFeedDate,
  skip,
  uniq,
  type FeedEntry,
  type FeedParseOptions,
  type ParsedFeed,
} from './feed-entry.ts';
import type { IntelAttributes } from './port.ts';

/** A row of Microsoft's JSON indicator feeds (Exchange March 2021, COVID-19). */
const MicrosoftIndicator = z.object({
  Indicator: z.string().max(4096),
  IndicatorType: z.string().max(64),
  FirstSeen: z.string().nullish(),
  DateAdded: z.string().nullish(),
  TLP: z.string().nullish(),
  ThreatType: z.string().nullish(),
  ExternalId: z.string().max(256).nullish(),
  // An object with the file's other digests, or '' when there are none.
  AdditionalMetadata: z
    .union([z.object({ FileMd5: z.string().nullish(), FileSha1: z.string().nullish() }), z.string()])
    .nullish(),
});

const isIndicatorRow = (x: unknown): boolean =>
  typeof x === 'object' && x !== null && 'Indicator' in x && 'IndicatorType' in x;

/** The indicator array: the document itself or its first array-valued property of indicator rows. */
export function microsoftIndicatorRows(doc: unknown): unknown[] | undefined {
  if (Array.isArray(doc)) return doc.some(isIndicatorRow) ? doc : undefined;
  if (typeof doc !== 'object' || doc === null) return undefined;
  for (const v of Object.values(doc)) if (Array.isArray(v) && v.some(isIndicatorRow)) return v;
  return undefined;
}

/**
 * Parses Microsoft's JSON indicator rows. The MD5 and SHA-1 in `AdditionalMetadata` are indexed as further
 * entries of the same row (attribute `sameFileAs` names the SHA-256), so any digest of the file matches.
 */
export function parseMicrosoftJsonRows(rows: readonly unknown[], opts: FeedParseOptions): ParsedFeed {
  const entries: FeedEntry[] = [];
  const skipped: Record<string, number> = {};
  rows.forEach((raw, index) => {
    const parsed = MicrosoftIndicator.safeParse(raw);
    if (!parsed.success) return skip(skipped, 'not an indicator row');
    const row = parsed.data;
    const type = indicatorTypeOfWord(row.IndicatorType);
    if (!type) return skip(skipped, `unsupported type ${row.IndicatorType}`);
    const indicator = canonicalIndicator({ type, value: row.Indicator });
    if (!indicator) return skip(skipped, 'invalid indicator');
    const dateAdded = parseFeedDate(row.DateAdded ?? undefined);
    const firstSeen = parseFeedDate(row.FirstSeen ?? undefined) ?? dateAdded;
    const attributes: IntelAttributes = dateAdded ? { dateAdded } : {};
    const reference = `${opts.fileName}#${row.ExternalId ?? index}`;
    const base: Omit<FeedEntry, 'indicator' | 'attributes'> = {
      verdict: 'malicious',
      confidence: opts.confidence ?? DEFAULT_FEED_CONFIDENCE,
      threatNames: uniq([...(opts.threatNames ?? [])]),
      tags: uniq([
        ...(row.ThreatType ? [row.ThreatType.toLowerCase()] : []),
        ...(row.TLP ? [`tlp:${row.TLP.toLowerCase()}`] : []),
      ]),
      ...(firstSeen ? { firstSeen } : {}),
      reference,
    };
    entries.push({ ...base, indicator, attributes });
    const meta = typeof row.AdditionalMetadata === 'object' ? row.AdditionalMetadata : undefined;
    for (const alias of [meta?.FileMd5, meta?.FileSha1]) {
      const other = alias ? canonicalIndicator({ type: 'hash', value: alias }) : undefined;
      if (other && indicator.type === 'hash')
        entries.push({ ...base, indicator: other, attributes: { ...attributes, sameFileAs: indicator.value } });
    }
  });
  return { kind: 'feed', format: 'microsoft-json', entries, skipped };
}
