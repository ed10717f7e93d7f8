import { createHash } from 'node:crypto';
import { type Row, first } from './fields.ts';

/** JSON with sorted keys, so the same row hashes the same whatever order the sender wrote its fields in. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const entries = Object.entries(value).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

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
