import type { StateStore } from '@soc/state';
import { ErrorCode, isAppError } from '@soc/runtime';
import type { ContainmentRequest, RequestStore } from '../ports.ts';

const COLLECTION = 'containment-requests';

/** Containment requests kept in the state store (the audit trail outlives the alert: no TTL). */
export class StateRequestStore implements RequestStore {
  private readonly store: StateStore;
  constructor(store: StateStore) {
    this.store = store;
  }

  async get(requestId: string): Promise<{ request: ContainmentRequest; etag: string } | undefined> {
    const doc = await this.store.get<ContainmentRequest>(COLLECTION, requestId);
    return doc ? { request: doc.value, etag: doc.etag } : undefined;
  }

  async create(request: ContainmentRequest): Promise<ContainmentRequest> {
    try {
      await this.store.put(COLLECTION, request.requestId, request, { ifNoneMatch: '*' });
      return request;
    } catch (error) {
      if (!isAppError(error) || error.code !== ErrorCode.CONFLICT) throw error;
      const existing = await this.store.get<ContainmentRequest>(COLLECTION, request.requestId);
      if (!existing) throw error;
      return existing.value;
    }
  }

  async save(request: ContainmentRequest, etag: string): Promise<string> {
    return this.store.put(COLLECTION, request.requestId, request, { ifMatch: etag });
  }
}
