import type { SourceName } from '@soc/contracts';
import type { FieldError } from './sources/types.ts';

/** How an input reached ingestion. */
export type ReceivedVia = 'http' | 'cli' | 'eventhubs';

/** One payload to ingest: a request body (or one Event Hubs record) from a known source. */
export interface IngestRequest {
  source: SourceName;
  /** Parsed JSON, or a string for text bodies (CEF/syslog). */
  body: unknown;
  /** The authenticated principal as recorded (token name, `<Entra credential>:<client id>`, `eventhubs:<hub>/<partition>` …). */
  sender: string;
  /**
   * The sender's stable principal name, part of every alert id (`deriveAlertId`): the credential's configured name
   * (never its secret, which rotates), or the Event Hubs stream `eventhubs:<hub>` (not the partition).
   */
  senderName: string;
  /**
   * The sender's tenant, from its credential (`tenantId` in INGEST_AUTH_FILE) or its stream's configuration
   * (EVENTHUB_TENANT_ID); the deployment's SOC_TENANT_ID when absent. Never from the payload.
   */
  tenantId?: string | undefined;
  receivedVia: ReceivedVia;
}

/** What the sender is told about one accepted alert. */
export interface Receipt {
  alertId: string;
  correlationId: string;
  /** The revision key of the content received: the same again is a re-send, another one a change of the alert. */
  revision: string;
}

export type IngestResult =
  | { kind: 'accepted'; receipts: Receipt[] }
  /** Refused as unparseable for its source; the body is in quarantine under `quarantineId` with the reasons. */
  | { kind: 'quarantined'; quarantineId: string; errors: FieldError[] }
  /** HTTP only: more alerts in one body than INGEST_MAX_BATCH; nothing was stored, the sender splits the batch. */
  | { kind: 'too-many'; alerts: number; limit: number; errors: FieldError[] }
  /** HTTP only: the sender's rate limit (counted in alerts) cannot pay for this body now; nothing was stored. */
  | { kind: 'rate-limited'; alerts: number; retryAfterSeconds: number; errors: FieldError[] };

/**
 * The ingestion pipeline behind every edge (HTTP, Event Hubs, CLI): normalise, keep the raw body, publish
 * durably — or quarantine with the reasons. It resolves only once the outcome is durable, so an edge may
 * acknowledge (202, Event Hubs checkpoint) when it resolves; it rejects when storage or the bus is unavailable,
 * and then nothing was acknowledged.
 */
export interface Ingestor {
  ingest(request: IngestRequest): Promise<IngestResult>;
  /** Keeps a payload that could not even be routed to a source (e.g. an Event Hubs record of an unknown `Type`). */
  quarantine(entry: { source: string; body: unknown; sender: string; senderName?: string | undefined; tenantId?: string | undefined; receivedVia: ReceivedVia; reason: string }): Promise<string>;
}

/** A request body as it arrived, kept so fields the common schema has no place for are never lost. */
export interface StoredPayload {
  source: string;
  /** `application/json` or `text/plain`. */
  mediaType: string;
  /** The body exactly as received (UTF-8). */
  body: string;
  receivedAt: string;
}

/**
 * Content-addressed store of raw request bodies (the "raw-reference store"): an alert's `rawRef` is
 * `<key>#<JSON pointer>`. Keys derive from source and body, so a re-send overwrites, never duplicates.
 */
export interface PayloadStore {
  put(key: string, payload: StoredPayload): Promise<void>;
  get(key: string): Promise<StoredPayload | undefined>;
  /** Readiness: resolves when the store answers a read, rejects with the reason otherwise. */
  probe(): Promise<void>;
}

/** Why a payload is in quarantine, and what became of it. */
export interface QuarantineEntry {
  id: string;
  source: string;
  sender: string;
  /** The sender's stable principal name ({@link IngestRequest.senderName}); a replay derives the same alert ids from it. */
  senderName?: string | undefined;
  /** The sender's tenant when it is not the deployment's (SOC_TENANT_ID); a replay gives the alerts this tenant. */
  tenantId?: string | undefined;
  receivedVia: ReceivedVia;
  receivedAt: string;
  /** One line for listings. */
  reason: string;
  errors: FieldError[];
  /** Key of the body in the {@link PayloadStore}. */
  payloadKey: string;
  bytes: number;
  status: 'quarantined' | 'replayed';
  /** Set by a successful replay. */
  replayedAt?: string | undefined;
  alertIds?: string[] | undefined;
  /** Failed replays keep the newest reasons here, so `show` tells whether the fix worked. */
  lastReplayErrors?: FieldError[] | undefined;
}

/** Payloads refused as unparseable, kept with their reasons until they are replayed after a parser fix. */
export interface QuarantineStore {
  put(entry: QuarantineEntry): Promise<void>;
  get(id: string): Promise<QuarantineEntry | undefined>;
  list(options: { status?: QuarantineEntry['status']; source?: string; limit: number }): Promise<QuarantineEntry[]>;
}
