import { createHash } from 'node:crypto';
import type { AuditRecord } from './port.ts';

/** The `prevHash` of a stream's first record. */
export const GENESIS_HASH = '0'.repeat(64);

/**
 * JSON with object keys sorted at every depth, so the same value always gives the same bytes whatever order its
 * fields were built or stored in (SQLite's JSON and Cosmos both may reorder). Values are plain JSON data.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null';
  if (Array.isArray(value)) return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const fields = Object.keys(value)
    .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
    .sort()
    .map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`);
  return `{${fields.join(',')}}`;
}

/** SHA-256 (hex) of a record's canonical JSON without its `hash` field. */
export function hashOf(record: Omit<AuditRecord, 'hash'> & { hash?: string }): string {
  const { hash: _ignored, ...rest } = record;
  return createHash('sha256').update(canonicalJson(rest)).digest('hex');
}

/** SHA-256 (hex) of a configuration's content: what a `config.changed` record keeps instead of the content. */
export function contentHashOf(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}
