import type { SourceName } from '@soc/contracts';
import { cefParser } from './cef/index.ts';
import { defenderParser } from './defender/index.ts';
import { genericParser } from './generic.ts';
import { sentinelParser } from './sentinel/index.ts';
import { splunkParser } from './splunk/index.ts';
import type { SourceParser } from './types.ts';
import { wazuhParser } from './wazuh/index.ts';

/** Every source ingestion reads, by the name in `POST /api/v1/alerts/{source}`; a `Record`, so no source is forgotten. */
export const PARSERS: Readonly<Record<SourceName, SourceParser>> = {
  sentinel: sentinelParser,
  defender: defenderParser,
  splunk: splunkParser,
  wazuh: wazuhParser,
  cef: cefParser,
  generic: genericParser,
};

/** The parser of a source name, or undefined for a name ingestion does not know. */
export function parserFor(name: string): SourceParser | undefined {
  return Object.hasOwn(PARSERS, name) ? PARSERS[name as SourceName] : undefined;
}

export const SOURCE_NAMES: readonly string[] = Object.keys(PARSERS);
