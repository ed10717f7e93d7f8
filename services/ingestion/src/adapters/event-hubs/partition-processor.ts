import type { SourceName } from '@soc/contracts';
import { ErrorCode, describeError, isAppError, systemClock, type Clock } from '@soc/runtime';
import type { Ingestor } from '../../ports.ts';
import { decodeEventBody } from './decode.ts';
import { IntervalCheckpointer, type CheckpointPolicy } from './interval-checkpointer.ts';
import { planEvent } from './plan.ts';
import { recordsOf } from './records.ts';

/** What the processor reads of an event (a subset of the SDK's `ReceivedEventData`). */
export interface HubEvent {
  body: unknown;
  offset: string;
  sequenceNumber: number;
}

/** What the processor needs of a partition (a subset of the SDK's `PartitionContext`). */
export interface HubPartition<E extends HubEvent = HubEvent> {
  readonly eventHubName: string;
  readonly partitionId: string;
  updateCheckpoint(event: E): Promise<void>;
}

/** Pino-compatible, so the service passes its logger as is. */
export interface EventHubsLogger {
  info(obj: object, msg: string): void;
  warn(obj: object, msg: string): void;
  error(obj: object, msg: string): void;
}

/** One JSON line per message on stderr/stdout: the default, so no failure goes unseen. */
export const consoleEventHubsLogger: EventHubsLogger = {
  info: (obj, msg) => console.log(JSON.stringify({ level: 'info', component: 'eventhubs', msg, ...printable(obj) })),
  warn: (obj, msg) => console.warn(JSON.stringify({ level: 'warn', component: 'eventhubs', msg, ...printable(obj) })),
  error: (obj, msg) =>
    console.error(JSON.stringify({ level: 'error', component: 'eventhubs', msg, ...printable(obj) })),
};

export interface EventHubsProcessorOptions {
  ingestor: Ingestor;
  checkpoint: CheckpointPolicy;
  defaultSource?: SourceName | undefined;
  /** The stream's tenant (EVENTHUB_TENANT_ID): every record's, whatever it says; the ingestor's default when absent. */
  tenantId?: string | undefined;
  /** Most records per `ingest` call (the ingestor's batch limit); Defender records of one event stay together. */
  maxRecordsPerIngest?: number | undefined;
  clock?: Clock | undefined;
  logger?: EventHubsLogger | undefined;
}

/**
 * Thrown from `processEvents` when an event could not be ingested (bus or storage down). It must not be
 * `retryable`: on a retryable error the SDK's partition pump carries on with the next batch, skipping the
 * failed events; on any other it closes the partition, which is then claimed again and read from its last
 * checkpoint, so the failed event is delivered again.
 */
export class EventHubsIngestError extends Error {
  readonly retryable = false;

  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = 'EventHubsIngestError';
  }
}

/** The `subscribe` handlers: the SDK's `SubscriptionEventHandlers`, typed on what they use so tests need no hub. */
export interface EventHubsHandlers<E extends HubEvent> {
  processInitialize(context: HubPartition<E>): Promise<void>;
  processEvents(events: E[], context: HubPartition<E>): Promise<void>;
  processClose(reason: string, context: HubPartition<E>): Promise<void>;
  processError(error: Error, context: { readonly partitionId: string }): Promise<void>;
}

interface PartitionState<E> {
  checkpointer: IntervalCheckpointer<E>;
  /** Set once an ingest failed: later events of this partition must wait for the redelivery from the checkpoint. */
  failedAt: number | undefined;
}

/**
 * The Event Hubs edge of ingestion: every event body is a SIEM stream batch whose records go to the ingestor,
 * grouped by source, and a partition is checkpointed on an interval, only ever up to its last fully ingested
 * event. Delivery is at least once: events after the checkpoint are delivered again after a restart or a
 * failure, and ingesting them again is harmless because alert ids derive from the source's own ids.
 */
export function eventHubsHandlers<E extends HubEvent>(options: EventHubsProcessorOptions): EventHubsHandlers<E> {
  const clock = options.clock ?? systemClock;
  const logger = options.logger ?? consoleEventHubsLogger;
  const maxRecordsPerIngest = options.maxRecordsPerIngest ?? 1000;
  const partitions = new Map<string, PartitionState<E>>();

  const stateOf = (context: HubPartition<E>): PartitionState<E> => {
    const existing = partitions.get(context.partitionId);
    if (existing !== undefined) return existing;
    const created: PartitionState<E> = {
      checkpointer: new IntervalCheckpointer<E>({
        policy: options.checkpoint,
        clock,
        write: (event) => context.updateCheckpoint(event),
      }),
      failedAt: undefined,
    };
    partitions.set(context.partitionId, created);
    return created;
  };

  const checkpointFailed = (context: HubPartition<E>) => (err: unknown) => {
    // Not fatal: ingestion goes on and the checkpoint is retried when the next one is due; a restart before
    // then only re-delivers events that are already ingested.
    logger.warn(
      { err, eventHub: context.eventHubName, partitionId: context.partitionId },
      'Event Hubs checkpoint write failed; retrying at the next interval',
    );
    return false;
  };

  const ingestEvent = async (event: E, context: HubPartition<E>): Promise<void> => {
    const sender = `eventhubs:${context.eventHubName}/${context.partitionId}`;
    // The stream, not the partition, is the sender: one alert may arrive on any partition and must keep its id.
    const senderName = `eventhubs:${context.eventHubName}`;
    const tenantId = options.tenantId;
    const at = `event ${event.sequenceNumber} of ${context.eventHubName}/${context.partitionId}`;
    const decoded = decodeEventBody(event.body);
    if (!decoded.ok) {
      // With a default source, a replay after a fix can route it; otherwise it is kept under 'eventhubs'.
      await options.ingestor.quarantine({
        source: options.defaultSource ?? 'eventhubs',
        body: decoded.raw,
        sender,
        senderName,
        tenantId,
        receivedVia: 'eventhubs',
        reason: `${decoded.reason} (${at})`,
      });
      return;
    }
    const records = recordsOf(decoded.body);
    if (records === undefined) {
      const reason = `Event body is JSON ${decoded.body === null ? 'null' : typeof decoded.body}, not records: expected {"records":[…]}, an array of records or one record object (${at})`;
      await options.ingestor.quarantine({
        source: options.defaultSource ?? 'eventhubs',
        body: decoded.body,
        sender,
        senderName,
        tenantId,
        receivedVia: 'eventhubs',
        reason,
      });
      return;
    }
    const plan = planEvent(records, { defaultSource: options.defaultSource, maxRecordsPerIngest });
    for (const group of plan.ingest) {
      const request = { source: group.source, body: { records: group.records }, sender, senderName, tenantId, receivedVia: 'eventhubs' as const };
      let result;
      try {
        result = await options.ingestor.ingest(request);
      } catch (err) {
        if (!neverPublishable(err)) throw err;
        // Retrying would fail the same way forever and hold the whole partition: keep the records with the reason.
        const reason = `Could not be published and never will be as it is: ${describeError(err)} (${at})`;
        const quarantineId = await options.ingestor.quarantine({ ...request, reason });
        logger.warn({ source: group.source, quarantineId, sender, sequenceNumber: event.sequenceNumber, code: isAppError(err) ? err.code : undefined }, 'Event Hubs records quarantined: their event cannot be published');
        continue;
      }
      if (result.kind === 'quarantined') {
        logger.warn(
          {
            source: group.source,
            quarantineId: result.quarantineId,
            errors: result.errors.length,
            sender,
            sequenceNumber: event.sequenceNumber,
          },
          'Event Hubs records quarantined by their parser',
        );
      }
    }
    for (const group of plan.unrouted) {
      await options.ingestor.quarantine({
        source: 'eventhubs',
        body: { records: group.records },
        sender,
        senderName,
        tenantId,
        receivedVia: 'eventhubs',
        reason: `${group.reason} (${at})`,
      });
    }
  };

  return {
    async processInitialize(context) {
      // A partition (re)starts from its checkpoint: forget what an earlier claim of it had pending or failed.
      partitions.delete(context.partitionId);
      stateOf(context);
    },

    async processEvents(events, context) {
      const state = stateOf(context);
      if (state.failedAt !== undefined) {
        throw new EventHubsIngestError(
          `Partition ${context.partitionId} is waiting for event ${state.failedAt} to be delivered again from its checkpoint`,
        );
      }
      for (const event of events) {
        try {
          await ingestEvent(event, context);
        } catch (err) {
          state.failedAt = event.sequenceNumber;
          // Events before it in this batch stay recorded: the close that follows checkpoints up to them.
          throw new EventHubsIngestError(
            `Could not ingest event ${event.sequenceNumber} of ${context.eventHubName}/${context.partitionId}: ${(err as Error).message ?? String(err)}. The partition restarts from its last checkpoint.`,
            { cause: err },
          );
        }
        state.checkpointer.ingested(event);
      }
      // Once per batch (empty ones too, which is how an idle partition's last events get checkpointed).
      await state.checkpointer.checkpointIfDue().catch(checkpointFailed(context));
    },

    async processClose(reason, context) {
      const state = partitions.get(context.partitionId);
      partitions.delete(context.partitionId);
      if (state === undefined) return;
      await state.checkpointer.flush().catch(checkpointFailed(context));
      logger.info(
        { eventHub: context.eventHubName, partitionId: context.partitionId, reason },
        'Event Hubs partition closed',
      );
    },

    async processError(error, context) {
      // An empty partition id means the load balancer (ownership or checkpoint store), not one partition.
      const where = context.partitionId === '' ? { scope: 'load-balancing' } : { partitionId: context.partitionId };
      if (error instanceof EventHubsIngestError) logger.error({ err: error, ...where }, error.message);
      else
        logger.warn(
          { err: error, ...where },
          'Event Hubs receive error; the SDK retries or restarts the partition from its checkpoint',
        );
    },
  };
}

/** The codes that say the event itself can never be published: too large for the bus, or invalid. */
const UNPUBLISHABLE: ReadonlySet<string> = new Set([ErrorCode.PAYLOAD_TOO_LARGE, ErrorCode.VALIDATION_FAILED]);

/**
 * True for a publish error no retry can cure because of the records themselves (an event too large for the bus,
 * or invalid). Anything else holds the partition, non-retryable or not: an outage, a closed bus at shutdown, a
 * revoked role or a disabled topic must not drain the hub into quarantine.
 */
function neverPublishable(err: unknown): boolean {
  return isAppError(err) && !err.retryable && UNPUBLISHABLE.has(err.code);
}

function printable(obj: object): object {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(obj)) out[k] = v instanceof Error ? `${v.name}: ${v.message}` : v;
  return out;
}
