import { type StateStore, updateWithRetry } from '@soc/state';
import type { GroupState } from '../case-noise.ts';
import type { CaseGroupStore } from '../ports.ts';

/** The collection of notification case groups in the state store. */
export const NOTIFY_GROUPS_COLLECTION = 'notify-groups';
/** A group is forgotten 30 days after its last write; a later alert opens a new e-mail thread. */
const TTL_SECONDS = 30 * 24 * 3600;

/** Case group documents `<tenant>:<group>` in the state store, read-modify-written with the store's etag (`updateWithRetry`). */
export class StateCaseGroupStore implements CaseGroupStore {
  private readonly state: StateStore;
  constructor(state: StateStore) {
    this.state = state;
  }

  update(tenantId: string, groupKey: string, change: (current: GroupState | undefined) => GroupState | undefined): Promise<GroupState | undefined> {
    return updateWithRetry<GroupState>(this.state, NOTIFY_GROUPS_COLLECTION, `${tenantId}:${groupKey}`, change, { ttlSeconds: TTL_SECONDS });
  }
}
