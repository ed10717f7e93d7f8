import { hashOf } from './canonical.ts';
import type { AuditRecord, TamperFinding } from './port.ts';

/** What a record must be, from its place in the chain. */
export interface ExpectedLink {
  stream: string;
  seq: number;
  /** The hash of the record before it (or the genesis hash). */
  prevHash: string;
}

/**
 * Checks one stored record against its place: it hashes to its `hash`, sits where its `stream` and `seq` say, and
 * points at its predecessor. Pure, so verification is one loop of reads around it. The order of the checks decides
 * the name: content that does not hash is `edited` before anything else.
 */
export function checkLink(stored: unknown, expected: ExpectedLink): TamperFinding | undefined {
  const at = { stream: expected.stream, seq: expected.seq };
  if (!isRecordShaped(stored)) return { ...at, reason: 'edited', detail: 'the stored document is not an audit record' };
  const actual = hashOf(stored);
  if (actual !== stored.hash) {
    return { ...at, reason: 'edited', detail: `its content hashes to ${actual}, not to the ${stored.hash} it carries` };
  }
  if (stored.stream !== expected.stream || stored.seq !== expected.seq) {
    return { ...at, reason: 'edited', detail: `it is stored as ${expected.stream} #${expected.seq} but names itself ${stored.stream} #${stored.seq}` };
  }
  if (stored.prevHash !== expected.prevHash) {
    return {
      ...at,
      reason: 'inserted',
      detail: `its prevHash ${stored.prevHash} is not the hash ${expected.prevHash} of the record before it`,
    };
  }
  return undefined;
}

function isRecordShaped(value: unknown): value is AuditRecord {
  if (typeof value !== 'object' || value === null) return false;
  const r = value as Record<string, unknown>;
  return (
    typeof r['stream'] === 'string' &&
    typeof r['seq'] === 'number' &&
    typeof r['hash'] === 'string' &&
    typeof r['prevHash'] === 'string' &&
    typeof r['data'] === 'object' &&
    r['data'] !== null
  );
}
