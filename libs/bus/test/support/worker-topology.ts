import type { SubscriptionSpec } from '@soc/contracts';

/** Topology of the multi-process SqliteBus tests: work to do, and a sink for the outcomes. */
export const WORKER_SUBSCRIPTIONS: readonly SubscriptionSpec[] = [
  { name: 'work', types: ['soc.alert.received.v1'] },
  { name: 'outcomes', types: ['soc.alert.enriched.v1'] },
];
