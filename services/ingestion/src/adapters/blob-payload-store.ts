import type { ContainerClient } from '@azure/storage-blob';
import type { PayloadStore, StoredPayload } from '../ports.ts';

/**
 * {@link PayloadStore} on Azure Blob Storage (production, several replicas): one block blob per payload, named by
 * its key, with the source, media type and receipt time as metadata. Retention is a lifecycle management rule on
 * the container (deploy/ sets one), not code.
 */
export class BlobPayloadStore implements PayloadStore {
  private readonly container: ContainerClient;

  constructor(container: ContainerClient) {
    this.container = container;
  }

  async put(key: string, payload: StoredPayload): Promise<void> {
    const body = Buffer.from(payload.body, 'utf8');
    await this.container.getBlockBlobClient(key).upload(body, body.length, {
      blobHTTPHeaders: { blobContentType: `${payload.mediaType}; charset=utf-8` },
      metadata: { source: payload.source, receivedat: payload.receivedAt, mediatype: payload.mediaType },
    });
  }

  /** A HEAD of a blob that need not exist: needs only the read right `get` needs, and fails on auth or network. */
  async probe(): Promise<void> {
    await this.container.getBlockBlobClient('readiness-probe').exists();
  }

  async get(key: string): Promise<StoredPayload | undefined> {
    try {
      const blob = this.container.getBlockBlobClient(key);
      const [buffer, properties] = await Promise.all([blob.downloadToBuffer(), blob.getProperties()]);
      const meta = properties.metadata ?? {};
      return { source: meta.source ?? 'unknown', mediaType: meta.mediatype ?? 'application/json', receivedAt: meta.receivedat ?? '', body: buffer.toString('utf8') };
    } catch (error) {
      if ((error as { statusCode?: number }).statusCode === 404) return undefined;
      throw error;
    }
  }
}
