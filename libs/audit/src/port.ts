/**
 * What an audited action says about itself: who did what to which subject, and why. Only ids, names, hashes and
 * reasons go in `data`: never a token, key, password or message body (the log is kept forever and read by admins).
 */
export interface AuditEntry {
  /** What happened, `<stream>.<event>`: `decision.made`, `disposition.recorded`, `kql.run.started`, `config.changed`. */
  kind: string;
  /** The principal or service that acted (a token's name, `decision`, `api`). */
  actor: string;
  /** What it acted on: an alert id, a request id, a file's name. */
  subject: string;
  tenantId?: string;
  data: Record<string, unknown>;
}

/** Where a record landed in its chain. */
export interface AuditReceipt {
  seq: number;
  /** The record's SHA-256, hex. */
  hash: string;
}

/**
 * The audit port every guarded action writes through. A rejected `append` means the action must not happen
 * (fail closed): the caller throws, so the bus retries or the API answers 503.
 */
export interface AuditTrail {
  append(entry: AuditEntry): Promise<AuditReceipt>;
}

/** A record as stored: the entry, its place in its stream's chain, and the hashes that chain it. */
export interface AuditRecord {
  /** The chain this record belongs to: the part of `kind` before the first dot. */
  stream: string;
  /** 1, 2, … within the stream, without gaps. */
  seq: number;
  /** When it was appended (ISO 8601). */
  at: string;
  kind: string;
  actor: string;
  subject: string;
  tenantId: string | null;
  data: Record<string, unknown>;
  /** The hash of the stream's previous record; 64 zeros for seq 1. */
  prevHash: string;
  /** SHA-256 (hex) of the canonical JSON of every other field. */
  hash: string;
}

/** Why verification stopped at a record. */
export type TamperReason =
  /** The record's content does not hash to its `hash` (or it sits under another record's key). */
  | 'edited'
  /** Its `prevHash` is not its predecessor's hash: a record was inserted (or the chain was re-spliced) before it. */
  | 'inserted'
  /** A sequence number is missing below the stream's head, or the head is gone while records remain. */
  | 'deleted';

/** A verified stream: how many records and where it ends (anchor `lastHash` elsewhere to catch a rewrite). */
export interface VerifiedStream {
  stream: string;
  count: number;
  lastSeq: number;
  lastHash: string;
}

/** The first bad record found. */
export interface TamperFinding {
  stream: string;
  seq: number;
  reason: TamperReason;
  /** One sentence naming what did not match. */
  detail: string;
}

/** The outcome of {@link AuditLog.verify}. */
export type VerifyResult =
  | { ok: true; count: number; streams: VerifiedStream[] }
  | { ok: false; count: number; streams: VerifiedStream[]; first: TamperFinding };

/** The audit trail plus what readers need: verification, the recent records, the last record of a subject. */
export interface AuditLog extends AuditTrail {
  /** Walks every stream's chain from seq 1; stops at the first bad record. */
  verify(): Promise<VerifyResult>;
  /** Most recent records first, across streams. */
  list(query?: { limit?: number; stream?: string }): Promise<AuditRecord[]>;
  /** The newest record of this kind about this subject (e.g. the last `config.changed` of a file). */
  latest(kind: string, subject: string): Promise<AuditRecord | undefined>;
}
