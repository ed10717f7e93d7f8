import { describe, expect, it } from 'vitest';
import { EventHubsConfig, eventHubsSettings } from '../src/adapters/event-hubs/index.ts';

const SAS = 'Endpoint=sb://soc-siem.servicebus.windows.net/;SharedAccessKeyName=listen;SharedAccessKey=c2VjcmV0';
const STORAGE =
  'DefaultEndpointsProtocol=https;AccountName=socckpt;AccountKey=c2VjcmV0;EndpointSuffix=core.windows.net';

/** The problems zod reports, as `VARIABLE: message`. */
function problems(env: Record<string, string>): string[] {
  const parsed = EventHubsConfig.safeParse(env);
  return parsed.success ? [] : parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
}

describe('EventHubsConfig', () => {
  it('is off when no hub is configured, including variables set empty', () => {
    expect(eventHubsSettings(EventHubsConfig.parse({}))).toBeUndefined();
    expect(
      eventHubsSettings(
        EventHubsConfig.parse({ EVENTHUB_NAME: '', EVENTHUB_NAMESPACE: ' ', EVENTHUB_CHECKPOINT_CONTAINER: '' }),
      ),
    ).toBeUndefined();
  });

  it('resolves a SAS connection with a connection-string checkpoint container, with defaults', () => {
    const settings = eventHubsSettings(
      EventHubsConfig.parse({
        EVENTHUB_CONNECTION_STRING: SAS,
        EVENTHUB_NAME: 'sentinel-export',
        EVENTHUB_CHECKPOINT_CONNECTION_STRING: STORAGE,
        EVENTHUB_CHECKPOINT_CONTAINER: 'checkpoints',
      }),
    );
    expect(settings).toEqual({
      connection: { kind: 'connection-string', connectionString: SAS },
      eventHubName: 'sentinel-export',
      consumerGroup: '$Default',
      checkpoint: { kind: 'connection-string', connectionString: STORAGE, containerName: 'checkpoints' },
      checkpointIntervalMs: 10_000,
      checkpointMaxEvents: 1_000,
      defaultSource: undefined,
      maxBatchSize: 100,
      startPosition: 'latest',
    });
  });

  it('resolves a managed-identity namespace and container URL, and takes the hub from EntityPath', () => {
    const entra = eventHubsSettings(
      EventHubsConfig.parse({
        EVENTHUB_NAMESPACE: 'soc-siem.servicebus.windows.net',
        EVENTHUB_NAME: 'defender-stream',
        EVENTHUB_CONSUMER_GROUP: 'soc-copilot',
        EVENTHUB_CHECKPOINT_BLOB_URL: 'https://socckpt.blob.core.windows.net/eventhubs-checkpoints',
        EVENTHUB_CHECKPOINT_INTERVAL_MS: '30000',
        EVENTHUB_DEFAULT_SOURCE: 'defender',
        EVENTHUB_MAX_BATCH_SIZE: '250',
        EVENTHUB_START_POSITION: 'earliest',
      }),
    );
    expect(entra).toMatchObject({
      connection: { kind: 'entra', fullyQualifiedNamespace: 'soc-siem.servicebus.windows.net' },
      eventHubName: 'defender-stream',
      consumerGroup: 'soc-copilot',
      checkpoint: { kind: 'entra', containerUrl: 'https://socckpt.blob.core.windows.net/eventhubs-checkpoints' },
      checkpointIntervalMs: 30_000,
      defaultSource: 'defender',
      maxBatchSize: 250,
      startPosition: 'earliest',
    });
    const hubLevel = eventHubsSettings(
      EventHubsConfig.parse({
        EVENTHUB_CONNECTION_STRING: `${SAS};EntityPath=sentinel-export`,
        EVENTHUB_CHECKPOINT_BLOB_URL: 'https://socckpt.blob.core.windows.net/ckpt',
      }),
    );
    expect(hubLevel?.eventHubName).toBe('sentinel-export');
  });

  it('says what to set when the configuration is half done', () => {
    expect(problems({ EVENTHUB_NAME: 'sentinel-export' })).toEqual([
      'EVENTHUB_NAMESPACE: EVENTHUB_NAME is set but not how to reach it: set EVENTHUB_NAMESPACE (managed identity) or EVENTHUB_CONNECTION_STRING',
      expect.stringMatching(
        /^EVENTHUB_CHECKPOINT_BLOB_URL: Checkpoints need a blob container: set EVENTHUB_CHECKPOINT_BLOB_URL=/,
      ),
    ]);
    expect(
      problems({ EVENTHUB_CONNECTION_STRING: SAS, EVENTHUB_CHECKPOINT_BLOB_URL: 'https://a.blob.core.windows.net/c' }),
    ).toEqual([expect.stringMatching(/^EVENTHUB_NAME: Set EVENTHUB_NAME/)]);
    expect(
      problems({
        EVENTHUB_NAMESPACE: 'soc.servicebus.windows.net',
        EVENTHUB_NAME: 'h',
        EVENTHUB_CHECKPOINT_CONNECTION_STRING: STORAGE,
      }),
    ).toEqual([
      'EVENTHUB_CHECKPOINT_CONTAINER: Set EVENTHUB_CHECKPOINT_CONTAINER to the blob container that keeps the checkpoints',
    ]);
  });

  it('refuses contradictory and malformed settings with what is expected instead', () => {
    const blob = { EVENTHUB_CHECKPOINT_BLOB_URL: 'https://a.blob.core.windows.net/c', EVENTHUB_NAME: 'h' };
    expect(
      problems({ ...blob, EVENTHUB_CONNECTION_STRING: SAS, EVENTHUB_NAMESPACE: 'soc.servicebus.windows.net' }),
    ).toEqual([
      'EVENTHUB_NAMESPACE: Set either EVENTHUB_CONNECTION_STRING (SAS) or EVENTHUB_NAMESPACE (managed identity), not both',
    ]);
    expect(problems({ ...blob, EVENTHUB_NAMESPACE: 'sb://soc.servicebus.windows.net/' })).toEqual([
      'EVENTHUB_NAMESPACE: Set the namespace host name only, e.g. mynamespace.servicebus.windows.net (no sb:// or https://, no path)',
    ]);
    expect(problems({ ...blob, EVENTHUB_CONNECTION_STRING: 'soc-siem' })[0]).toMatch(
      /^EVENTHUB_CONNECTION_STRING: Not an Event Hubs connection string: expected Endpoint=sb:\/\//,
    );
    expect(problems({ ...blob, EVENTHUB_CONNECTION_STRING: `${SAS};EntityPath=other` })).toEqual([
      "EVENTHUB_NAME: Names hub 'h' but the connection string's EntityPath is 'other': unset EVENTHUB_NAME or make them agree",
    ]);
    expect(
      problems({
        ...blob,
        EVENTHUB_NAMESPACE: 'soc.servicebus.windows.net',
        EVENTHUB_CHECKPOINT_BLOB_URL: 'https://a.blob.core.windows.net/c?sv=2022&sig=x',
      })[0],
    ).toMatch(/^EVENTHUB_CHECKPOINT_BLOB_URL: Drop the query string \(SAS token\)/);
    expect(
      problems({
        ...blob,
        EVENTHUB_NAMESPACE: 'soc.servicebus.windows.net',
        EVENTHUB_CHECKPOINT_BLOB_URL: 'https://a.blob.core.windows.net/',
      })[0],
    ).toMatch(/names no container/);
    expect(
      problems({
        ...blob,
        EVENTHUB_NAMESPACE: 'soc.servicebus.windows.net',
        EVENTHUB_CHECKPOINT_CONNECTION_STRING: STORAGE,
        EVENTHUB_CHECKPOINT_CONTAINER: 'c',
      })[0],
    ).toMatch(/^EVENTHUB_CHECKPOINT_BLOB_URL: Set either EVENTHUB_CHECKPOINT_BLOB_URL/);
    expect(
      problems({ ...blob, EVENTHUB_NAMESPACE: 'soc.servicebus.windows.net', EVENTHUB_DEFAULT_SOURCE: 'qradar' })[0],
    ).toMatch(/^EVENTHUB_DEFAULT_SOURCE: /);
    expect(
      problems({ ...blob, EVENTHUB_NAMESPACE: 'soc.servicebus.windows.net', EVENTHUB_CHECKPOINT_INTERVAL_MS: '5' })[0],
    ).toMatch(/^EVENTHUB_CHECKPOINT_INTERVAL_MS: /);
  });

  it('eventHubsSettings repeats the checks for a config parsed without them', () => {
    const unchecked: EventHubsConfig = { ...EventHubsConfig.parse({}), EVENTHUB_NAME: 'h' };
    expect(() => eventHubsSettings(unchecked)).toThrow(
      /Invalid Event Hubs configuration:\n {2}- EVENTHUB_NAMESPACE: EVENTHUB_NAME is set but not how to reach it/,
    );
  });

  it('keeps its checks when a service extends it with its own settings', () => {
    const service = EventHubsConfig.extend({ INGEST_MAX_BATCH: EventHubsConfig.shape.EVENTHUB_MAX_BATCH_SIZE });
    expect(service.safeParse({ EVENTHUB_NAME: 'h' }).success).toBe(false);
    expect(service.safeParse({}).success).toBe(true);
  });
});
