export { EVENT_FETCH_CALLER, EVENT_FETCH_SOURCE, fetchSourceEvents, wantsEventFetch } from './fetch.ts';
export type { EventFetchDeps, EventFetchResult } from './fetch.ts';
export { FETCHED_SECURITY_EVENT_IDS, MAX_FETCH_HOSTS, MAX_FETCH_ROWS, buildEventFetchQuery, hostNamesOf } from './query.ts';
export type { EventFetchQuery, EventFetchQueryInput } from './query.ts';
