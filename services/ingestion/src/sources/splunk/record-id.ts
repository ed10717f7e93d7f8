import { createHash } from 'node:crypto';
import { canonicalJson } from '../values.ts';
import { type Row, first } from './fields.ts';

/**
 * What tells one result row from another of the same search, stable across re-sends: the indexed event's address
 * (`_bkt` + `_cd`, with `_time`), else its position in the results (`_serial`), else a digest of the row
 * (statistics rows from `stats`/`tstats` have neither).
 */
export function rowDiscriminator(row: Row): string {
  const cd = first(row, '_cd');
  if (cd !== undefined) return [first(row, '_bkt'), cd, first(row, '_time')].filter((p) => p !== undefined).join('|');
  const serial = first(row, '_serial');
  if (serial !== undefined) return `serial:${serial}`;
  return `sha256:${createHash('sha256').update(canonicalJson(row)).digest('hex').slice(0, 32)}`;
}
