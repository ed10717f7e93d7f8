import type { StateStore } from '@soc/state';
import type { CaseEventDoc } from '../case-view.ts';
import type { RecentCaseEvents } from '../live/change-feed.ts';
import { CASE_EVENTS_COLLECTION } from './state-case-store.ts';

/** The newest case events by event time, read from the case view's own collection (every replica sees every one). */
export class StateRecentCaseEvents implements RecentCaseEvents {
  private readonly store: StateStore;
  constructor(store: StateStore) {
    this.store = store;
  }

  async recent(limit: number): Promise<CaseEventDoc[]> {
    const docs = await this.store.query<CaseEventDoc>(CASE_EVENTS_COLLECTION, { orderBy: { field: 'time', direction: 'desc' }, limit });
    return docs.map((d) => d.value);
  }
}
