import type { SourceName } from '@soc/contracts';
import { record, text } from '../../sources/values.ts';

/** Log Analytics tables (the `Type` column of a Sentinel data export row) and the source whose parser reads them. */
const TABLE_SOURCES: Readonly<Record<string, SourceName>> = {
  SecurityAlert: 'sentinel',
  SecurityIncident: 'sentinel',
  CommonSecurityLog: 'cef',
};

/** Defender XDR streaming API categories of the alert tables (`AdvancedHunting-AlertInfo`, `-AlertEvidence`). */
const DEFENDER_ALERT_CATEGORY = 'AdvancedHunting-Alert';

/**
 * The source whose parser reads one record of a SIEM stream, from what the record says it is: a Sentinel data
 * export row by its table (`Type`), a Defender XDR streaming record by its `category`. `undefined` when the
 * record names nothing we know (the caller then uses the hub's default source or quarantines it).
 */
export function sourceOfRecord(value: unknown): SourceName | undefined {
  const row = record(value);
  if (row === undefined) return undefined;
  const type = text(row['Type']);
  if (type !== undefined && Object.hasOwn(TABLE_SOURCES, type)) return TABLE_SOURCES[type];
  const category = text(row['category']);
  if (category?.startsWith(DEFENDER_ALERT_CATEGORY)) return 'defender';
  return undefined;
}

/** What a record says it is, for quarantine reasons and logs: `Type 'SecurityEvent'`, `category '…'`, or its shape. */
export function describeRecord(value: unknown): string {
  const row = record(value);
  if (row === undefined)
    return value === null ? 'a null record' : Array.isArray(value) ? 'a nested array' : `a ${typeof value} record`;
  const type = text(row['Type']);
  if (type !== undefined) return `Type '${type}'`;
  const category = text(row['category']);
  if (category !== undefined) return `category '${category}'`;
  return 'a record with neither Type nor category';
}

/**
 * The records of one event body: a `{"records":[…]}` batch (Sentinel data export, Defender XDR streaming API),
 * an array of records, or one record object. `undefined` for anything else (a number, a string, `null`).
 */
export function recordsOf(body: unknown): unknown[] | undefined {
  if (Array.isArray(body)) return body;
  const object = record(body);
  if (object === undefined) return undefined;
  const records = object['records'];
  return Array.isArray(records) ? records : [object];
}
