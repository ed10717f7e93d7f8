import {
  EventHubConsumerClient,
  earliestEventPosition,
  latestEventPosition,
  type CheckpointStore,
  type LoadBalancingOptions,
  type ReceivedEventData,
  type Subscription,
} from '@azure/event-hubs';
import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { ContainerClient } from '@azure/storage-blob';
import type { Clock } from '@soc/runtime';
import type { Ingestor } from '../../ports.ts';
import { eventHubsSettings, type CheckpointContainer, type EventHubsConfig, type EventHubsSettings } from './config.ts';
import { consoleEventHubsLogger, eventHubsHandlers, type EventHubsLogger } from './partition-processor.ts';

export interface EventHubsIngestionDeps {
  /** The parsed environment; with no hub configured the consumer stays off. */
  config: EventHubsConfig;
  ingestor: Ingestor;
  clock?: Clock | undefined;
  logger?: EventHubsLogger | undefined;
  /** For the namespace and container reached with Entra ID; default `DefaultAzureCredential`. */
  credential?: TokenCredential | undefined;
  /** The ingestor's batch limit (INGEST_MAX_BATCH); records of one event beyond it go in several calls. */
  maxRecordsPerIngest?: number | undefined;
  /** SDK load-balancing timings; tests shorten them. */
  loadBalancing?:
    Pick<LoadBalancingOptions, 'updateIntervalInMs' | 'partitionOwnershipExpirationIntervalInMs'> | undefined;
}

export interface EventHubsIngestion {
  /** False when no hub is configured. */
  readonly running: boolean;
  /** Stops reading, flushes every partition's pending checkpoint, releases the partitions and closes the client. */
  close(): Promise<void>;
}

/**
 * Starts consuming the configured hub: every partition this instance owns (ownership is balanced across
 * replicas through the checkpoint container) is read from its checkpoint, its records ingested, and its
 * checkpoint advanced on an interval. Resolves once the subscription is running; rejects on a configuration
 * that cannot work (the checkpoint container does not exist).
 */
export async function startEventHubsIngestion(deps: EventHubsIngestionDeps): Promise<EventHubsIngestion> {
  const settings = eventHubsSettings(deps.config);
  if (settings === undefined) return { running: false, close: async () => undefined };
  const logger = deps.logger ?? consoleEventHubsLogger;
  // One credential for the hub and the container, created only when one of them uses Entra ID.
  let entra: TokenCredential | undefined = deps.credential;
  const credential = (): TokenCredential => (entra ??= new DefaultAzureCredential());

  const container = containerClientFor(settings.checkpoint, credential);
  await checkContainer(container, settings.checkpoint, logger);
  const checkpointStore: CheckpointStore = new BlobCheckpointStore(container);
  const options = { loadBalancingOptions: { strategy: 'balanced' as const, ...deps.loadBalancing } };
  const client =
    settings.connection.kind === 'connection-string'
      ? new EventHubConsumerClient(
          settings.consumerGroup,
          settings.connection.connectionString,
          settings.eventHubName,
          checkpointStore,
          options,
        )
      : new EventHubConsumerClient(
          settings.consumerGroup,
          settings.connection.fullyQualifiedNamespace,
          settings.eventHubName,
          credential(),
          checkpointStore,
          options,
        );

  const handlers = eventHubsHandlers<ReceivedEventData>({
    ingestor: deps.ingestor,
    checkpoint: { intervalMs: settings.checkpointIntervalMs, maxEvents: settings.checkpointMaxEvents },
    defaultSource: settings.defaultSource,
    tenantId: settings.tenantId,
    maxRecordsPerIngest: deps.maxRecordsPerIngest,
    clock: deps.clock,
    logger,
  });
  const subscription: Subscription = client.subscribe(handlers, {
    maxBatchSize: settings.maxBatchSize,
    // Idle partitions get an empty batch this often, which is when their pending checkpoint is written.
    maxWaitTimeInSeconds: Math.min(60, Math.max(1, Math.ceil(settings.checkpointIntervalMs / 1000))),
    startPosition: settings.startPosition === 'earliest' ? earliestEventPosition : latestEventPosition,
    // Bytes, so a body that is not JSON is told apart from one that is (and quarantined as such).
    skipParsingBodyAsJson: true,
  });
  logger.info(describe(settings), 'Event Hubs ingestion started');

  let closing: Promise<void> | undefined;
  return {
    running: true,
    close: () => {
      closing ??= (async () => {
        try {
          await subscription.close();
        } finally {
          await client.close();
        }
      })();
      return closing;
    },
  };
}

function containerClientFor(checkpoint: CheckpointContainer, credential: () => TokenCredential): ContainerClient {
  switch (checkpoint.kind) {
    case 'connection-string':
      return new ContainerClient(checkpoint.connectionString, checkpoint.containerName);
    case 'entra':
      return new ContainerClient(checkpoint.containerUrl, credential());
  }
}

/** Fails start-up on a missing container (a config error); a store that cannot be asked is retried by the SDK. */
async function checkContainer(
  container: ContainerClient,
  checkpoint: CheckpointContainer,
  logger: EventHubsLogger,
): Promise<void> {
  let exists: boolean;
  try {
    exists = await container.exists();
  } catch (err) {
    logger.warn(
      { err, container: container.containerName },
      'Could not check the Event Hubs checkpoint container; starting anyway (the SDK retries)',
    );
    return;
  }
  if (exists) return;
  const setting = checkpoint.kind === 'entra' ? 'EVENTHUB_CHECKPOINT_BLOB_URL' : 'EVENTHUB_CHECKPOINT_CONTAINER';
  throw new Error(
    `The Event Hubs checkpoint container '${container.containerName}' does not exist: create it (az storage container create --name ${container.containerName} --account-name ${container.accountName}) or correct ${setting}`,
  );
}

/** What is consumed, for the start-up log line (no secrets). */
function describe(settings: EventHubsSettings): object {
  return {
    eventHub: settings.eventHubName,
    consumerGroup: settings.consumerGroup,
    auth: settings.connection.kind,
    namespace: settings.connection.kind === 'entra' ? settings.connection.fullyQualifiedNamespace : undefined,
    checkpointIntervalMs: settings.checkpointIntervalMs,
    defaultSource: settings.defaultSource,
    tenantId: settings.tenantId,
  };
}
