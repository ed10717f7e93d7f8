import { parseCsvFeed } from './csv-feed.ts';
import type { FeedParseOptions, FeedParseResult } from './feed-entry.ts';
import { microsoftIndicatorRows, parseMicrosoftJsonRows } from './microsoft-json-feed.ts';
import { mispEvents, parseMispEvents } from './misp-feed.ts';
import { isStixBundle, parseStixBundle } from './stix-feed.ts';

/**
 * Parses one feed file, detecting its format from the content: JSON (a STIX 2.1 bundle, a MISP export,
 * or Microsoft's indicator rows) or CSV. Anything else is `not-a-feed` with the reason.
 */
export function parseFeed(text: string, opts: FeedParseOptions): FeedParseResult {
  const trimmed = text.replace(/^\uFEFF/, '').trimStart();
  if (!trimmed.startsWith('{') && !trimmed.startsWith('[')) return parseCsvFeed(text, opts);
  let doc: unknown;
  try {
    doc = JSON.parse(trimmed);
  } catch (error) {
    return { kind: 'not-a-feed', reason: `invalid JSON: ${(error as Error).message}` };
  }
  if (isStixBundle(doc)) return parseStixBundle(doc, opts);
  const events = mispEvents(doc);
  if (events) return parseMispEvents(events, opts);
  const rows = microsoftIndicatorRows(doc);
  if (rows) return parseMicrosoftJsonRows(rows, opts);
  return { kind: 'not-a-feed', reason: 'JSON that is neither a STIX bundle, a MISP export nor indicator rows' };
}
