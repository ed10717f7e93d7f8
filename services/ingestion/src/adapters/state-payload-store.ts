import type { StateStore } from '@soc/state';
import type { PayloadStore, StoredPayload } from '../ports.ts';

const COLLECTION = 'ingest-payloads';
/** Cosmos DB items are capped at 2 MB; bodies are split well below that (UTF-16 code units, ≤ 3 bytes each). */
const CHUNK_CHARS = 512 * 1024;

interface PayloadDoc extends Omit<StoredPayload, 'body'> {
  chunks: number;
  body: string;
}

/** {@link PayloadStore} on the state store (SQLite embedded, Cosmos DB in Azure), bodies split into chunks. */
export class StatePayloadStore implements PayloadStore {
  private readonly state: StateStore;
  private readonly ttlSeconds: number;

  constructor(state: StateStore, retentionDays: number) {
    this.state = state;
    this.ttlSeconds = Math.round(retentionDays * 86_400);
  }

  async put(key: string, payload: StoredPayload): Promise<void> {
    const chunks = Math.max(1, Math.ceil(payload.body.length / CHUNK_CHARS));
    const options = { ttlSeconds: this.ttlSeconds };
    // Tail chunks first: the head document, written last, is what makes the payload visible whole.
    for (let i = 1; i < chunks; i++) {
      await this.state.put(COLLECTION, `${key}.${i}`, { body: payload.body.slice(i * CHUNK_CHARS, (i + 1) * CHUNK_CHARS) }, options);
    }
    const head: PayloadDoc = { ...payload, body: payload.body.slice(0, CHUNK_CHARS), chunks };
    await this.state.put(COLLECTION, key, head, options);
  }

  async get(key: string): Promise<StoredPayload | undefined> {
    const head = await this.state.get<PayloadDoc>(COLLECTION, key);
    if (head === undefined) return undefined;
    const { chunks, ...payload } = head.value;
    const parts = [payload.body];
    for (let i = 1; i < chunks; i++) {
      const part = await this.state.get<{ body: string }>(COLLECTION, `${key}.${i}`);
      if (part === undefined) return undefined;
      parts.push(part.value.body);
    }
    return { ...payload, body: parts.join('') };
  }
}
