import { readFileSync } from 'node:fs';
import { EventHubProducerClient } from '@azure/event-hubs';
import { ContainerClient } from '@azure/storage-blob';
import { hasContainerRuntime } from '@soc/bus/testing';
import type { StartedNetwork, StartedTestContainer } from 'testcontainers';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  EventHubsConfig,
  startEventHubsIngestion,
  type EventHubsIngestion,
  type EventHubsLogger,
} from '../src/adapters/event-hubs/index.ts';
import { FakeIngestor } from '../src/adapters/event-hubs/testing.ts';
import { azuriteConnectionString } from './support/azurite.ts';

// The whole consumer against the real Event Hubs emulator, which keeps its own state in an Azurite container
// (the checkpoints go there too). Both need Docker or Podman; where there is none the suite is skipped, loudly.
const IMAGES = {
  eventHubs: 'mcr.microsoft.com/azure-messaging/eventhubs-emulator:2.2.1',
  azurite: 'mcr.microsoft.com/azure-storage/azurite:3.35.0',
} as const;
const HUB = 'siem-stream';
const CONSUMER_GROUP = 'soc-ingestion';
const CHECKPOINTS = 'eventhubs-checkpoints';

/** The emulator has no admin API: its namespace, hubs and consumer groups come from this file ($Default is implicit). */
const emulatorConfig = {
  UserConfig: {
    NamespaceConfig: [
      {
        Type: 'EventHub',
        Name: 'emulatorNs1',
        Entities: [{ Name: HUB, PartitionCount: '2', ConsumerGroups: [{ Name: CONSUMER_GROUP }] }],
      },
    ],
    LoggingConfig: { Type: 'File' },
  },
};

const runtime = await hasContainerRuntime();
if (!runtime) console.warn('Event Hubs emulator suite skipped: no container runtime (Docker/Podman) found');

const exportBatch = JSON.parse(
  readFileSync(
    new URL('../../../test/fixtures/alerts/eventhubs/sentinel-data-export-batch.json', import.meta.url),
    'utf8',
  ),
) as {
  records: Record<string, unknown>[];
};
const defenderBatch = {
  records: [
    {
      time: '2025-04-11T21:07:42.7816566Z',
      tenantId: '2008f78a-ebba-4182-8f80-7d9a0aec27a5',
      operationName: 'Publish',
      category: 'AdvancedHunting-AlertInfo',
      properties: {
        AlertId: 'da638470263467301556_-1163823126',
        Title: 'Suspicious PowerShell command line',
        Severity: 'Medium',
      },
    },
    {
      time: '2025-04-11T21:07:42.7812580Z',
      tenantId: '2008f78a-ebba-4182-8f80-7d9a0aec27a5',
      operationName: 'Publish',
      category: 'AdvancedHunting-AlertEvidence',
      properties: { AlertId: 'da638470263467301556_-1163823126', EntityType: 'Process', FileName: 'powershell.exe' },
    },
  ],
};
const silent: EventHubsLogger = { info: () => undefined, warn: () => undefined, error: () => undefined };

async function until<T>(
  what: string,
  probe: () => Promise<T | undefined> | T | undefined,
  timeoutMs = 90_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The checkpoint blobs the BlobCheckpointStore wrote: `<ns>/<hub>/<group>/checkpoint/<partition>` with metadata. */
async function storedCheckpoints(container: ContainerClient): Promise<Map<string, number>> {
  const found = new Map<string, number>();
  for await (const blob of container.listBlobsFlat({ includeMetadata: true })) {
    const match = /\/checkpoint\/(\d+)$/.exec(blob.name);
    const sequence = blob.metadata?.['sequencenumber'];
    if (match?.[1] !== undefined && sequence !== undefined) found.set(match[1], Number(sequence));
  }
  return found;
}

describe.skipIf(!runtime)('Event Hubs consumer (emulator)', () => {
  let network: StartedNetwork | undefined;
  let azurite: StartedTestContainer | undefined;
  let emulator: StartedTestContainer | undefined;
  let consumer: EventHubsIngestion | undefined;
  let eventHubsConnectionString = '';
  let storageConnectionString = '';

  beforeAll(async () => {
    const { GenericContainer, Network, Wait } = await import('testcontainers');
    network = await new Network().start();
    azurite = await new GenericContainer(IMAGES.azurite)
      .withNetwork(network)
      .withNetworkAliases('azurite')
      .withCommand([
        'azurite',
        '--blobHost',
        '0.0.0.0',
        '--queueHost',
        '0.0.0.0',
        '--tableHost',
        '0.0.0.0',
        '--skipApiVersionCheck',
        '--loose',
        '--disableTelemetry',
      ])
      .withExposedPorts(10000, 10001, 10002)
      .withWaitStrategy(Wait.forListeningPorts())
      .start();
    emulator = await new GenericContainer(IMAGES.eventHubs)
      .withNetwork(network)
      .withEnvironment({ ACCEPT_EULA: 'Y', BLOB_SERVER: 'azurite', METADATA_SERVER: 'azurite' })
      .withCopyContentToContainer([
        { content: JSON.stringify(emulatorConfig), target: '/Eventhubs_Emulator/ConfigFiles/Config.json' },
      ])
      .withExposedPorts(5672)
      .withWaitStrategy(Wait.forLogMessage(/Emulator Service is Successfully Up/))
      .withStartupTimeout(180_000)
      .start();
    eventHubsConnectionString = `Endpoint=sb://${emulator.getHost()}:${emulator.getMappedPort(5672)};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true;`;
    storageConnectionString = azuriteConnectionString(`http://${azurite.getHost()}:${azurite.getMappedPort(10000)}`);
    await new ContainerClient(storageConnectionString, CHECKPOINTS).createIfNotExists();
  }, 300_000);

  afterAll(async () => {
    await consumer?.close();
    await emulator?.stop();
    await azurite?.stop();
    await network?.stop();
  }, 60_000);

  it('ingests every record of a published batch by source, quarantines the rest, and checkpoints', async () => {
    const ingestor = new FakeIngestor();
    consumer = await startEventHubsIngestion({
      config: EventHubsConfig.parse({
        EVENTHUB_CONNECTION_STRING: eventHubsConnectionString,
        EVENTHUB_NAME: HUB,
        EVENTHUB_CONSUMER_GROUP: CONSUMER_GROUP,
        EVENTHUB_CHECKPOINT_CONNECTION_STRING: storageConnectionString,
        EVENTHUB_CHECKPOINT_CONTAINER: CHECKPOINTS,
        EVENTHUB_CHECKPOINT_INTERVAL_MS: '1000',
        EVENTHUB_START_POSITION: 'earliest',
      }),
      ingestor,
      logger: silent,
      loadBalancing: { updateIntervalInMs: 1_000 },
    });
    expect(consumer.running).toBe(true);

    const producer = new EventHubProducerClient(eventHubsConnectionString, HUB);
    try {
      // One partition, so the three events keep their order; the last is not JSON.
      await producer.sendBatch(
        [
          { body: exportBatch },
          { body: defenderBatch },
          { body: Buffer.from('CEF:0|Claroty|CTD|2.7.0|Baseline|None|Unapproved|cat=Create') },
        ],
        { partitionId: '0' },
      );
    } finally {
      await producer.close();
    }

    await until('every record to be ingested', () =>
      ingestor.records().length >= 6 && ingestor.quarantined.length >= 2 ? true : undefined,
    );
    const bySource = (source: string) =>
      ingestor.ingested.filter((r) => r.source === source).flatMap((r) => (r.body as { records: unknown[] }).records);
    const [alertA, crowdStrikeA, claroty, alertB, crowdStrikeB] = exportBatch.records;
    expect(bySource('sentinel')).toEqual([alertA, alertB]);
    expect(bySource('cef')).toEqual([crowdStrikeA, crowdStrikeB]);
    // AlertInfo and its AlertEvidence arrive in one call, so the parser can join them.
    expect(ingestor.ingested.filter((r) => r.source === 'defender').map((r) => r.body)).toEqual([defenderBatch]);
    expect(ingestor.ingested.every((r) => r.sender === `eventhubs:${HUB}/0` && r.receivedVia === 'eventhubs')).toBe(
      true,
    );
    expect(ingestor.quarantined.map((q) => q.body)).toEqual([
      { records: [claroty] },
      'CEF:0|Claroty|CTD|2.7.0|Baseline|None|Unapproved|cat=Create',
    ]);
    expect(ingestor.quarantined[1]?.reason).toContain('not JSON');

    // The third event (sequence number 2 of a fresh partition) is checkpointed within an interval or two.
    const container = new ContainerClient(storageConnectionString, CHECKPOINTS);
    const checkpoints = await until('the partition 0 checkpoint', async () => {
      const found = await storedCheckpoints(container);
      return found.get('0') === 2 ? found : undefined;
    });
    expect(checkpoints.get('0')).toBe(2);
    await consumer.close();
    consumer = undefined;
  }, 180_000);
});
