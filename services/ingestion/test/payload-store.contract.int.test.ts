import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerClient } from '@azure/storage-blob';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BlobPayloadStore } from '../src/adapters/blob-payload-store.ts';
import { SqlitePayloadStore } from '../src/adapters/sqlite-payload-store.ts';
import type { PayloadStore, StoredPayload } from '../src/ports.ts';
import { type StartedAzurite, startAzuriteBlob } from './support/azurite.ts';

const payload = (body: string, source = 'cef'): StoredPayload => ({ source, mediaType: source === 'cef' ? 'text/plain' : 'application/json', body, receivedAt: '2026-11-23T10:00:00.000Z' });

/** The one contract every payload store passes. */
function describePayloadStoreContract(name: string, open: () => Promise<PayloadStore>): void {
  describe(`PayloadStore contract: ${name}`, () => {
    let store: PayloadStore;
    beforeAll(async () => {
      store = await open();
    });

    it('returns what was put, byte for byte, with its metadata', async () => {
      const body = 'CEF:0|Vendor|Prod|1|100|Name with \\| pipe|5|src=10.0.0.1 msg=naïve ✓ \\= \n second line';
      await store.put('p-roundtrip', payload(body));
      expect(await store.get('p-roundtrip')).toEqual(payload(body));
    });

    it('probe resolves while the store answers', async () => {
      await expect(store.probe()).resolves.toBeUndefined();
    });

    it('answers undefined for a key never stored', async () => {
      expect(await store.get('p-missing')).toBeUndefined();
    });

    it('a second put of the same key (a re-sent body) leaves one readable payload', async () => {
      await Promise.all([store.put('p-same', payload('{"a":1}', 'generic')), store.put('p-same', payload('{"a":1}', 'generic'))]);
      expect((await store.get('p-same'))?.body).toBe('{"a":1}');
    });

    it('keeps bodies of several megabytes whole', async () => {
      const body = JSON.stringify({ records: Array.from({ length: 20_000 }, (_, i) => ({ i, text: 'x'.repeat(100) })) });
      await store.put('p-large', payload(body, 'sentinel'));
      expect((await store.get('p-large'))?.body).toBe(body);
    });
  });
}

describePayloadStoreContract('SqlitePayloadStore', async () => new SqlitePayloadStore(join(mkdtempSync(join(tmpdir(), 'soc-payloads-')), 'payloads.sqlite')));

let azurite: StartedAzurite | undefined;
describePayloadStoreContract('BlobPayloadStore on Azurite', async () => {
  azurite = await startAzuriteBlob();
  const container = new ContainerClient(azurite.connectionString, 'payloads');
  await container.create();
  return new BlobPayloadStore(container);
});
afterAll(async () => azurite?.stop());

describe('SqlitePayloadStore readiness', () => {
  it('probe rejects once the store is closed', async () => {
    const store = new SqlitePayloadStore(join(mkdtempSync(join(tmpdir(), 'soc-payloads-')), 'payloads.sqlite'));
    await expect(store.probe()).resolves.toBeUndefined();
    store.close();
    await expect(store.probe()).rejects.toThrow();
  });
});

describe('SqlitePayloadStore retention', () => {
  it('purges payloads stored before the cutoff and keeps newer ones', async () => {
    const store = new SqlitePayloadStore(join(mkdtempSync(join(tmpdir(), 'soc-payloads-')), 'payloads.sqlite'));
    await store.put('p-old1', payload('old'));
    const cutoff = new Date(Date.now() + 1);
    await new Promise((r) => setTimeout(r, 5));
    await store.put('p-new1', payload('new'));
    expect(store.purgeOlderThan(cutoff)).toBe(1);
    expect(await store.get('p-old1')).toBeUndefined();
    expect((await store.get('p-new1'))?.body).toBe('new');
    store.close();
  });
});
