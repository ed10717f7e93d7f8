import { type StateStore, updateWithRetry } from '@soc/state';
import type { GroupLifecycleDoc, GroupLifecycleStore } from '../ports.ts';

/** The collection of case groups' ticket lifecycles. */
export const TICKET_LIFECYCLE_COLLECTION = 'ticket-lifecycles';
const TTL_SECONDS = 90 * 24 * 3600;

/** The lifecycle as documents `<tenant>:<group>`, read-modify-written with the store's etag (`updateWithRetry`). */
export class StateGroupLifecycleStore implements GroupLifecycleStore {
  readonly #state: StateStore;
  constructor(state: StateStore) {
    this.#state = state;
  }

  update(tenantId: string, groupKey: string, change: (current: GroupLifecycleDoc | undefined) => GroupLifecycleDoc | undefined): Promise<GroupLifecycleDoc | undefined> {
    return updateWithRetry<GroupLifecycleDoc>(this.#state, TICKET_LIFECYCLE_COLLECTION, `${tenantId}:${groupKey}`, change, { ttlSeconds: TTL_SECONDS });
  }
}
