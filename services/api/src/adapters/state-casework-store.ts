import { type StateStore } from '@soc/state';
import { ErrorCode, isAppError } from '@soc/runtime';
import type { CaseworkRecord, CaseworkStore } from '../ports.ts';

const CASEWORK = 'case-work';

/** The casework write side in the state store: collection `case-work`, one document per alert id, written by etag. */
export class StateCaseworkStore implements CaseworkStore {
  private readonly store: StateStore;
  private readonly ttl: { ttlSeconds?: number };
  constructor(store: StateStore, options: { retentionDays?: number } = {}) {
    this.store = store;
    this.ttl = options.retentionDays ? { ttlSeconds: options.retentionDays * 86_400 } : {};
  }

  async read(alertId: string): Promise<{ record: CaseworkRecord; etag: string } | undefined> {
    const doc = await this.store.get<CaseworkRecord>(CASEWORK, alertId);
    return doc ? { record: doc.value, etag: doc.etag } : undefined;
  }

  async write(alertId: string, record: CaseworkRecord, etag: string | undefined): Promise<string | false> {
    try {
      return await this.store.put(CASEWORK, alertId, record, { ...(etag === undefined ? { ifNoneMatch: '*' as const } : { ifMatch: etag }), ...this.ttl });
    } catch (error) {
      if (isAppError(error) && (error.code === ErrorCode.CONFLICT || error.code === ErrorCode.PRECONDITION_FAILED)) return false;
      throw error;
    }
  }
}
