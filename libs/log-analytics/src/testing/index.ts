export { startFakeLogAnalytics } from './fake-log-analytics.ts';
export type { FakeAnswer, FakeLogAnalytics, ReceivedQuery } from './fake-log-analytics.ts';
