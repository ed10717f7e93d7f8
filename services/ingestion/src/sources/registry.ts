import type { SourceName } from '@soc/contracts';
import { genericParser } from './generic.ts';
import type { SourceParser } from './types.ts';

/** Every source ingestion reads, by the name in `POST /api/v1/alerts/{source}`. */
export const PARSERS: Partial<Record<SourceName, SourceParser>> = {
  generic: genericParser,
};

/** The parser of a source name, or undefined for a name ingestion does not know. */
export function parserFor(name: string): SourceParser | undefined {
  return Object.hasOwn(PARSERS, name) ? PARSERS[name as SourceName] : undefined;
}

export const SOURCE_NAMES: readonly string[] = Object.keys(PARSERS);
