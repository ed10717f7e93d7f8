// Test doubles for the Event Hubs edge, for its tests (not exported from the package index).
import type { IngestRequest, IngestResult, Ingestor, ReceivedVia } from '../../ports.ts';
import type { HubEvent, HubPartition } from './partition-processor.ts';

export interface QuarantineCall {
  source: string;
  body: unknown;
  sender: string;
  senderName?: string | undefined;
  tenantId?: string | undefined;
  receivedVia: ReceivedVia;
  reason: string;
}

/**
 * An in-memory {@link Ingestor} that records every call. `failWhen` makes an ingest reject (the bus or storage
 * being down) for the requests it matches; `quarantineWhen` answers 'quarantined' as a parser would.
 */
export class FakeIngestor implements Ingestor {
  readonly ingested: IngestRequest[] = [];
  readonly quarantined: QuarantineCall[] = [];
  failWhen: (request: IngestRequest) => boolean = () => false;
  quarantineWhen: (request: IngestRequest) => boolean = () => false;
  /** What a failing ingest throws: by default an outage (retryable); set it to a non-retryable AppError to test those. */
  failure: () => Error = () => new Error('bus unavailable: publish timed out');

  async ingest(request: IngestRequest): Promise<IngestResult> {
    if (this.failWhen(request)) throw this.failure();
    this.ingested.push(request);
    if (this.quarantineWhen(request))
      return {
        kind: 'quarantined',
        quarantineId: `q-${this.ingested.length}`,
        errors: [{ index: 0, path: 'Severity', message: 'bad' }],
      };
    return {
      kind: 'accepted',
      receipts: [{ alertId: `a-${this.ingested.length}`, correlationId: `c-${this.ingested.length}`, revision: `rev-${this.ingested.length}` }],
    };
  }

  async quarantine(entry: QuarantineCall): Promise<string> {
    this.quarantined.push(entry);
    return `q-${this.quarantined.length}`;
  }

  /** Every record ingested, in order, from the `{"records":[…]}` bodies. */
  records(): unknown[] {
    return this.ingested.flatMap((r) => (r.body as { records: unknown[] }).records);
  }
}

/**
 * An event as the consumer receives it (it subscribes with `skipParsingBodyAsJson`, so bodies are bytes):
 * objects are JSON-encoded the way `EventHubProducerClient` sends them, strings are sent as raw text.
 */
export function hubEvent(sequenceNumber: number, body: unknown): HubEvent {
  const bytes =
    body instanceof Uint8Array ? body : Buffer.from(typeof body === 'string' ? body : JSON.stringify(body), 'utf8');
  return { body: bytes, sequenceNumber, offset: String(sequenceNumber * 1000) };
}

/** A partition whose checkpoints are kept in `checkpoints`; `failCheckpoints` makes writes reject. */
export class FakePartition implements HubPartition {
  readonly eventHubName: string;
  readonly partitionId: string;
  readonly checkpoints: HubEvent[] = [];
  failCheckpoints = false;

  constructor(partitionId = '0', eventHubName = 'siem-stream') {
    this.partitionId = partitionId;
    this.eventHubName = eventHubName;
  }

  async updateCheckpoint(event: HubEvent): Promise<void> {
    if (this.failCheckpoints) throw new Error('storage unavailable');
    this.checkpoints.push(event);
  }
}
