import { join } from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import { ContainerClient } from '@azure/storage-blob';
import type { IngestionConfig } from '../config.ts';
import type { PayloadStore } from '../ports.ts';
import { BlobPayloadStore } from './blob-payload-store.ts';
import { SqlitePayloadStore } from './sqlite-payload-store.ts';

const HOUR_MS = 3_600_000;

/** The payload store the configuration selects, and a closer for its retention timer. */
export function openPayloadStore(config: IngestionConfig, dataDir: string, onPurgeError: (error: unknown) => void): { store: PayloadStore; close: () => void } {
  if (config.INGEST_PAYLOAD_STORE === 'blob') {
    const container =
      config.INGEST_PAYLOAD_BLOB_CONNECTION_STRING !== undefined
        ? new ContainerClient(config.INGEST_PAYLOAD_BLOB_CONNECTION_STRING, config.INGEST_PAYLOAD_BLOB_CONTAINER)
        : new ContainerClient(config.INGEST_PAYLOAD_BLOB_URL ?? '', new DefaultAzureCredential());
    return { store: new BlobPayloadStore(container), close: () => undefined };
  }
  const store = new SqlitePayloadStore(join(dataDir, 'payloads.sqlite'));
  const purge = () => {
    try {
      store.purgeOlderThan(new Date(Date.now() - config.INGEST_RAW_RETENTION_DAYS * 24 * HOUR_MS));
    } catch (error) {
      onPurgeError(error);
    }
  };
  purge();
  const timer = setInterval(purge, HOUR_MS);
  timer.unref();
  return {
    store,
    close: () => {
      clearInterval(timer);
      store.close();
    },
  };
}
