import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import type { Checkpoint, CheckpointStore } from '@azure/event-hubs';
import { BlobCheckpointStore } from '@azure/eventhubs-checkpointstore-blob';
import { ContainerClient } from '@azure/storage-blob';
import { manualClock } from '@soc/runtime';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventHubsConfig,
  eventHubsHandlers,
  startEventHubsIngestion,
  type EventHubsLogger,
  type HubEvent,
  type HubPartition,
} from '../src/adapters/event-hubs/index.ts';
import { FakeIngestor, hubEvent } from '../src/adapters/event-hubs/testing.ts';
import { startAzuriteBlob, type StartedAzurite } from './support/azurite.ts';

// The real BlobCheckpointStore against Azurite (the Azure Storage emulator, run from its npm package).
const NAMESPACE = 'soc-siem.servicebus.windows.net';
const HUB = 'sentinel-export';
const GROUP = '$Default';

const exportBatch = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/alerts/eventhubs/sentinel-data-export-batch.json', import.meta.url),
    'utf8',
  ),
) as {
  records: Record<string, unknown>[];
};
const silent: EventHubsLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

let azurite: StartedAzurite;
beforeAll(async () => {
  azurite = await startAzuriteBlob();
});
afterAll(async () => {
  await azurite?.stop();
});

async function freshStore(): Promise<{ store: CheckpointStore; container: ContainerClient }> {
  const container = new ContainerClient(azurite.connectionString, `checkpoints-${randomUUID()}`);
  await container.create();
  return { store: new BlobCheckpointStore(container), container };
}

/** A partition that checkpoints into the store exactly as the SDK's PartitionProcessor does, counting writes. */
function storePartition(store: CheckpointStore, partitionId: string): HubPartition & { writes: number } {
  return {
    eventHubName: HUB,
    partitionId,
    writes: 0,
    async updateCheckpoint(event: HubEvent) {
      this.writes += 1;
      await store.updateCheckpoint({
        fullyQualifiedNamespace: NAMESPACE,
        eventHubName: HUB,
        consumerGroup: GROUP,
        partitionId,
        sequenceNumber: event.sequenceNumber,
        offset: event.offset,
      });
    },
  };
}

async function checkpointOf(store: CheckpointStore, partitionId: string): Promise<Checkpoint | undefined> {
  return (await store.listCheckpoints(NAMESPACE, HUB, GROUP)).find((c) => c.partitionId === partitionId);
}

describe('BlobCheckpointStore on Azurite', () => {
  it('claims and lists ownership, refuses a claim with a stale etag, and round-trips checkpoints', async () => {
    const { store, container } = await freshStore();
    const claimed = await store.claimOwnership([
      {
        fullyQualifiedNamespace: NAMESPACE,
        eventHubName: HUB,
        consumerGroup: GROUP,
        partitionId: '0',
        ownerId: 'replica-a',
      },
    ]);
    expect(claimed).toHaveLength(1);
    expect(claimed[0]?.etag).toEqual(expect.any(String));

    const owners = await store.listOwnership(NAMESPACE, HUB, GROUP);
    expect(owners.map((o) => [o.partitionId, o.ownerId])).toEqual([['0', 'replica-a']]);
    expect(owners[0]?.lastModifiedTimeInMs).toEqual(expect.any(Number));

    // Another replica claiming with an outdated etag loses (optimistic concurrency on the ownership blob).
    const stolen = await store.claimOwnership([
      {
        fullyQualifiedNamespace: NAMESPACE,
        eventHubName: HUB,
        consumerGroup: GROUP,
        partitionId: '0',
        ownerId: 'replica-b',
        etag: '"0x8DEADBEEF"',
      },
    ]);
    expect(stolen).toEqual([]);
    expect((await store.listOwnership(NAMESPACE, HUB, GROUP)).map((o) => o.ownerId)).toEqual(['replica-a']);

    await store.updateCheckpoint({
      fullyQualifiedNamespace: NAMESPACE,
      eventHubName: HUB,
      consumerGroup: GROUP,
      partitionId: '0',
      sequenceNumber: 41,
      offset: '41000',
    });
    await store.updateCheckpoint({
      fullyQualifiedNamespace: NAMESPACE,
      eventHubName: HUB,
      consumerGroup: GROUP,
      partitionId: '1',
      sequenceNumber: 7,
      offset: '7000',
    });
    const checkpoints = await store.listCheckpoints(NAMESPACE, HUB, GROUP);
    expect(checkpoints.map((c) => [c.partitionId, c.sequenceNumber, c.offset]).sort()).toEqual([
      ['0', 41, '41000'],
      ['1', 7, '7000'],
    ]);
    // Another consumer group keeps its own checkpoints.
    expect(await store.listCheckpoints(NAMESPACE, HUB, 'other-group')).toEqual([]);
    await container.delete();
  });

  it('writes one checkpoint per interval, not one per event, holding the last fully ingested event', async () => {
    const { store } = await freshStore();
    const clock = manualClock();
    const ingestor = new FakeIngestor();
    const handlers = eventHubsHandlers<HubEvent>({
      ingestor,
      clock,
      logger: silent,
      checkpoint: { intervalMs: 5_000, maxEvents: 1_000 },
    });
    const partition = storePartition(store, '0');
    await handlers.processInitialize(partition);
    // 45 events half a second apart, in batches of 5: due at the 10th, 20th, 30th and 40th; the 45th on close.
    for (let first = 1; first <= 45; first += 5) {
      const batch: HubEvent[] = [];
      for (let seq = first; seq < first + 5; seq++) {
        clock.advance(500);
        batch.push(hubEvent(seq, { records: [exportBatch.records[seq % 5]] }));
      }
      await handlers.processEvents(batch, partition);
    }
    expect(partition.writes).toBe(4);
    expect(await checkpointOf(store, '0')).toMatchObject({ sequenceNumber: 40, offset: '40000' });

    await handlers.processClose('Shutdown', partition);
    expect(partition.writes).toBe(5);
    expect(await checkpointOf(store, '0')).toMatchObject({ sequenceNumber: 45, offset: '45000' });
    // Every routable record was ingested (one in five is the Claroty row no source reads: quarantined).
    expect(ingestor.records()).toHaveLength(36);
    expect(ingestor.quarantined).toHaveLength(9);
  });

  it('never moves the checkpoint past an event whose ingest failed; the restart resumes from it', async () => {
    const { store } = await freshStore();
    const clock = manualClock();
    const ingestor = new FakeIngestor();
    const handlers = eventHubsHandlers<HubEvent>({
      ingestor,
      clock,
      logger: silent,
      checkpoint: { intervalMs: 5_000, maxEvents: 4 },
    });
    const partition = storePartition(store, '1');
    const events = Array.from({ length: 20 }, (_, i) =>
      hubEvent(i + 1, { records: [{ ...exportBatch.records[0], SystemAlertId: `alert-${i + 1}` }] }),
    );
    ingestor.failWhen = (request) => JSON.stringify(request.body).includes('"alert-15"');

    await handlers.processInitialize(partition);
    let failure: unknown;
    for (let first = 0; first < events.length && failure === undefined; first += 5) {
      failure = await handlers.processEvents(events.slice(first, first + 5), partition).then(
        () => undefined,
        (err: unknown) => err,
      );
    }
    expect(failure).toBeInstanceOf(Error);
    await handlers.processClose('Shutdown', partition);
    expect(await checkpointOf(store, '1')).toMatchObject({ sequenceNumber: 14, offset: '14000' });

    // The bus is back; the partition is claimed again and read after its stored checkpoint, as the SDK does.
    ingestor.failWhen = () => false;
    const from = (await checkpointOf(store, '1'))?.sequenceNumber ?? 0;
    await handlers.processInitialize(partition);
    await handlers.processEvents(
      events.filter((e) => e.sequenceNumber > from),
      partition,
    );
    await handlers.processClose('Shutdown', partition);
    expect(await checkpointOf(store, '1')).toMatchObject({ sequenceNumber: 20, offset: '20000' });
    expect(ingestor.records().map((r) => (r as { SystemAlertId: string }).SystemAlertId)).toEqual(
      events.map((_, i) => `alert-${i + 1}`),
    );
  });
});

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  if (address === null || typeof address === 'string') throw new Error('no port');
  return address.port;
}

describe('startEventHubsIngestion with a real checkpoint container', () => {
  const hubConfig = async (container: string) =>
    EventHubsConfig.parse({
      EVENTHUB_CONNECTION_STRING: `Endpoint=sb://127.0.0.1:${await closedPort()};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`,
      EVENTHUB_NAME: HUB,
      EVENTHUB_CHECKPOINT_CONNECTION_STRING: azurite.connectionString,
      EVENTHUB_CHECKPOINT_CONTAINER: container,
    });

  it('stays off when no hub is configured', async () => {
    const consumer = await startEventHubsIngestion({ config: EventHubsConfig.parse({}), ingestor: new FakeIngestor() });
    expect(consumer.running).toBe(false);
    await consumer.close();
  });

  it('refuses to start on a checkpoint container that does not exist, saying how to create it', async () => {
    const start = startEventHubsIngestion({
      config: await hubConfig('no-such-container'),
      ingestor: new FakeIngestor(),
      logger: silent,
    });
    await expect(start).rejects.toThrow(
      /checkpoint container 'no-such-container' does not exist: create it \(az storage container create --name no-such-container --account-name devstoreaccount1\)/,
    );
  });

  it('subscribes through the SDK with the real checkpoint store, and closes cleanly while the hub is unreachable', async () => {
    const { container } = await freshStore();
    const consumer = await startEventHubsIngestion({
      config: await hubConfig(container.containerName),
      ingestor: new FakeIngestor(),
      logger: silent,
    });
    expect(consumer.running).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const started = Date.now();
    await consumer.close();
    // Closing aborts the SDK's connection retries rather than waiting them out.
    expect(Date.now() - started).toBeLessThan(5_000);
    // No partition was claimed (no ownership blob written), as the hub's partitions could not be read.
    const blobs: string[] = [];
    for await (const blob of container.listBlobsFlat()) blobs.push(blob.name);
    expect(blobs).toEqual([]);
  }, 15_000);
});
