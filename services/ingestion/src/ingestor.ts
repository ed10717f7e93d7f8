import { createHash } from 'node:crypto';
import type { Bus } from '@soc/bus';
import type { SourceName } from '@soc/contracts';
import type { InternalNetworks } from '@soc/guardrails';
import type { Clock } from '@soc/runtime';
import { acceptBody, payloadKeyOf } from './handler.ts';
import type { IngestRequest, IngestResult, Ingestor, PayloadStore, QuarantineEntry, QuarantineStore, ReceivedVia } from './ports.ts';
import { parserFor } from './sources/registry.ts';
import type { FieldError } from './sources/types.ts';

/** What the ingestor needs. */
export interface IngestorDeps {
  bus: Bus;
  payloads: PayloadStore;
  quarantine: QuarantineStore;
  clock: Clock;
  /** The deployment's tenant (SOC_TENANT_ID): the tenant of a request that names none. */
  tenantId: string;
  maxBatch: number;
  /** The platform's internal address ranges (`SOC_INTERNAL_NETWORKS`): every IP entity's `isInternal` comes from them. */
  internalNetworks: InternalNetworks;
  /** Told every outcome, for metrics and logs. */
  onOutcome?: ((request: { source: string; sender: string; receivedVia: ReceivedVia }, result: IngestResult) => void) | undefined;
}

/** A request plus the body exactly as received, when the edge has it (HTTP does; Event Hubs records are re-serialised). */
export type RawIngestRequest = IngestRequest & {
  rawText?: string | undefined;
  mediaType?: string | undefined;
  /**
   * Asked, once the body parsed into `alerts` alerts and before anything is stored, whether the sender may send them
   * now (the HTTP edge's rate limit, counted in alerts): a refusal is the result as is, and nothing is stored.
   */
  admit?: ((alerts: number) => Extract<IngestResult, { kind: 'rate-limited' | 'too-many' }> | undefined) | undefined;
};


/** The shell around {@link acceptBody}: stores the raw body, publishes durably, or quarantines with the reasons. */
export class PipelineIngestor implements Ingestor {
  private readonly deps: IngestorDeps;

  constructor(deps: IngestorDeps) {
    this.deps = deps;
  }

  async ingest(request: RawIngestRequest): Promise<IngestResult> {
    const result = await this.ingestOnce(request);
    this.deps.onOutcome?.(request, result);
    return result;
  }

  private async ingestOnce(request: RawIngestRequest): Promise<IngestResult> {
    const parser = parserFor(request.source);
    const rawText = request.rawText ?? serialise(request.body);
    const receivedAt = this.deps.clock.now();
    if (parser === undefined) {
      const errors = [{ index: 0, path: '(root)', message: `Unknown source '${request.source}'` }];
      return { kind: 'quarantined', quarantineId: await this.keep(request, rawText, errors, receivedAt), errors };
    }
    const payloadKey = payloadKeyOf(request.source, rawText);
    const outcome = acceptBody(parser, request.body, { tenantId: request.tenantId ?? this.deps.tenantId, sender: request.sender, senderName: request.senderName, receivedAt, receivedVia: request.receivedVia, payloadKey, internalNetworks: this.deps.internalNetworks, maxBatch: request.receivedVia === 'http' ? this.deps.maxBatch : Number.MAX_SAFE_INTEGER });
    if (!outcome.ok) {
      if (outcome.tooMany) return { kind: 'too-many', ...outcome.tooMany, errors: outcome.errors };
      return { kind: 'quarantined', quarantineId: await this.keep(request, rawText, outcome.errors, receivedAt), errors: outcome.errors };
    }
    const refused = request.admit?.(outcome.events.length);
    if (refused !== undefined) return refused;
    // The body first: an alert on the bus always has its raw payload to point at.
    await this.deps.payloads.put(payloadKey, { source: request.source, mediaType: request.mediaType ?? mediaTypeOf(request.body), body: rawText, receivedAt: receivedAt.toISOString() });
    await this.deps.bus.publish(outcome.events);
    return { kind: 'accepted', receipts: outcome.receipts };
  }

  async quarantine(entry: { source: string; body: unknown; sender: string; senderName?: string | undefined; tenantId?: string | undefined; receivedVia: ReceivedVia; reason: string }): Promise<string> {
    const rawText = typeof entry.body === 'string' ? entry.body : JSON.stringify(entry.body) ?? String(entry.body);
    return this.keep(entry, rawText, [{ index: 0, path: '(root)', message: entry.reason }], this.deps.clock.now());
  }

  /**
   * Re-runs a quarantined body through today's parser; on success it is published and the entry marked replayed.
   * `asSource` parses it as another source: for records nothing could route (an Event Hubs record of an unknown
   * `Type`, quarantined under `eventhubs`) or that were posted to the wrong endpoint.
   */
  async replay(id: string, asSource?: SourceName): Promise<{ entry: QuarantineEntry; result: IngestResult } | undefined> {
    const entry = await this.deps.quarantine.get(id);
    if (entry === undefined) return undefined;
    const payload = await this.deps.payloads.get(entry.payloadKey);
    if (payload === undefined) throw new Error(`The body of quarantine entry ${id} is no longer stored (retention expired); ask the sender to resend it`);
    const body: unknown = payload.mediaType === 'text/plain' ? payload.body : JSON.parse(payload.body);
    // The sender's principal name as it was, so a replay gives the ids a fresh send by the same sender would.
    const result = await this.ingest({ source: asSource ?? (entry.source as SourceName), body, rawText: payload.body, mediaType: payload.mediaType, sender: entry.sender, senderName: entry.senderName ?? legacySenderName(entry.sender), tenantId: entry.tenantId, receivedVia: entry.receivedVia });
    const updated: QuarantineEntry =
      result.kind === 'accepted'
        ? { ...entry, status: 'replayed', replayedAt: this.deps.clock.now().toISOString(), alertIds: result.receipts.map((r) => r.alertId), lastReplayErrors: undefined }
        : { ...entry, lastReplayErrors: result.errors };
    await this.deps.quarantine.put(updated);
    return { entry: updated, result };
  }

  private async keep(request: { source: string; sender: string; senderName?: string | undefined; tenantId?: string | undefined; receivedVia: ReceivedVia; body: unknown; mediaType?: string | undefined }, rawText: string, errors: FieldError[], receivedAt: Date): Promise<string> {
    const id = `q-${createHash('sha256').update(request.source).update('\n').update(rawText).digest('hex').slice(0, 24)}`;
    const existing = await this.deps.quarantine.get(id);
    // A re-sent bad body is the same entry: keep its history (a replayed one that fails again is quarantined again).
    if (existing !== undefined && existing.status === 'quarantined') return id;
    const payloadKey = payloadKeyOf(request.source, rawText);
    await this.deps.payloads.put(payloadKey, { source: request.source, mediaType: request.mediaType ?? mediaTypeOf(request.body), body: rawText, receivedAt: receivedAt.toISOString() });
    await this.deps.quarantine.put({
      id,
      source: request.source,
      sender: request.sender,
      ...(request.senderName !== undefined && request.senderName !== request.sender ? { senderName: request.senderName } : {}),
      ...(request.tenantId !== undefined && request.tenantId !== this.deps.tenantId ? { tenantId: request.tenantId } : {}),
      receivedVia: request.receivedVia,
      receivedAt: receivedAt.toISOString(),
      reason: summarize(errors),
      errors: errors.slice(0, 100),
      payloadKey,
      bytes: Buffer.byteLength(rawText),
      status: 'quarantined',
    });
    return id;
  }
}

/**
 * A body re-serialised for the payload store (Event Hubs records, replays). One nested too deeply for
 * JSON.stringify is kept as a note instead: acceptBody refuses it, and quarantining it must not throw.
 */
function serialise(body: unknown): string {
  if (typeof body === 'string') return body;
  try {
    return JSON.stringify(body);
  } catch (error) {
    if (error instanceof RangeError) return JSON.stringify({ unkept: `The body was nested too deeply to serialise (${error.message})` });
    throw error;
  }
}

function mediaTypeOf(body: unknown): string {
  return typeof body === 'string' ? 'text/plain' : 'application/json';
}

function summarize(errors: readonly FieldError[]): string {
  const first = errors[0];
  if (first === undefined) return 'refused';
  const more = errors.length > 1 ? ` (+${errors.length - 1} more)` : '';
  return `[${first.index}] ${first.path}: ${first.message}${more}`.slice(0, 500);
}

/**
 * The sender name of a quarantine entry written before entries kept it: the recorded sender, less the partition of an
 * Event Hubs stream (`eventhubs:<hub>/<partition>` → `eventhubs:<hub>`), as alert ids are derived from the stream.
 */
function legacySenderName(sender: string): string {
  return sender.startsWith('eventhubs:') ? sender.replace(/\/[^/]*$/, '') : sender;
}
