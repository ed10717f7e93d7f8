import type { SourceName } from '@soc/contracts';
import type { FieldError } from './sources/types.ts';

/** How an input reached ingestion. */
export type ReceivedVia = 'http' | 'cli' | 'eventhubs';

/** One payload to ingest: a request body (or one Event Hubs record) from a known source. */
export interface IngestRequest {
  source: SourceName;
  /** Parsed JSON, or a string for text bodies (CEF/syslog). */
  body: unknown;
  /** The authenticated principal (token name, Entra app, `eventhubs:<hub>/<partition>` …). */
  sender: string;
  receivedVia: ReceivedVia;
}

/** What the sender is told about one accepted alert. */
export interface Receipt {
  alertId: string;
  correlationId: string;
}

export type IngestResult =
  | { kind: 'accepted'; receipts: Receipt[] }
  /** Refused as unparseable for its source; the body is in quarantine under `quarantineId` with the reasons. */
  | { kind: 'quarantined'; quarantineId: string; errors: FieldError[] };

/**
 * The ingestion pipeline behind every edge (HTTP, Event Hubs, CLI): normalise, keep the raw body, publish
 * durably — or quarantine with the reasons. It resolves only once the outcome is durable, so an edge may
 * acknowledge (202, Event Hubs checkpoint) when it resolves; it rejects when storage or the bus is unavailable,
 * and then nothing was acknowledged.
 */
export interface Ingestor {
  ingest(request: IngestRequest): Promise<IngestResult>;
  /** Keeps a payload that could not even be routed to a source (e.g. an Event Hubs record of an unknown `Type`). */
  quarantine(entry: { source: string; body: unknown; sender: string; receivedVia: ReceivedVia; reason: string }): Promise<string>;
}
