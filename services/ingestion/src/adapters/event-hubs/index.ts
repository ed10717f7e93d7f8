export { EventHubsConfig, eventHubsSettings } from './config.ts';
export type { CheckpointContainer, EventHubsConnection, EventHubsSettings } from './config.ts';
export { startEventHubsIngestion } from './consumer.ts';
export type { EventHubsIngestion, EventHubsIngestionDeps } from './consumer.ts';
export { IntervalCheckpointer } from './interval-checkpointer.ts';
export type { CheckpointPolicy, IntervalCheckpointerOptions } from './interval-checkpointer.ts';
export { EventHubsIngestError, consoleEventHubsLogger, eventHubsHandlers } from './partition-processor.ts';
export type {
  EventHubsHandlers,
  EventHubsLogger,
  EventHubsProcessorOptions,
  HubEvent,
  HubPartition,
} from './partition-processor.ts';
export { decodeEventBody } from './decode.ts';
export { planEvent } from './plan.ts';
export type { EventPlan, IngestGroup, UnroutedGroup } from './plan.ts';
export { describeRecord, recordsOf, sourceOfRecord } from './records.ts';
