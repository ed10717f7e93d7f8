import type { StateStore } from '@soc/state';
import { ErrorCode, isAppError } from '@soc/runtime';
import type { GroupState } from '../case-noise.ts';
import type { CaseGroupStore } from '../ports.ts';

/** The collection of notification case groups in the state store. */
export const NOTIFY_GROUPS_COLLECTION = 'notify-groups';
/** A group is forgotten 30 days after its last alert; a later alert opens a new e-mail thread. */
const TTL_SECONDS = 30 * 24 * 3600;

/** Case group documents `<tenant>:<group>` in the state store, written with the store's etag (optimistic concurrency). */
export class StateCaseGroupStore implements CaseGroupStore {
  private readonly state: StateStore;
  constructor(state: StateStore) {
    this.state = state;
  }

  async read(tenantId: string, groupKey: string): Promise<{ state: GroupState; version: string } | undefined> {
    const doc = await this.state.get<GroupState>(NOTIFY_GROUPS_COLLECTION, `${tenantId}:${groupKey}`);
    return doc && { state: doc.value, version: doc.etag };
  }

  async write(tenantId: string, groupKey: string, state: GroupState, version: string | undefined): Promise<boolean> {
    try {
      await this.state.put(NOTIFY_GROUPS_COLLECTION, `${tenantId}:${groupKey}`, state, version === undefined ? { ifNoneMatch: '*', ttlSeconds: TTL_SECONDS } : { ifMatch: version, ttlSeconds: TTL_SECONDS });
      return true;
    } catch (error) {
      if (isAppError(error) && (error.code === ErrorCode.PRECONDITION_FAILED || error.code === ErrorCode.CONFLICT)) return false;
      throw error;
    }
  }
}
