export {
  CONTRACT_RETRY_POLICY,
  CONTRACT_SUBSCRIPTIONS,
  CONTRACT_TOPIC,
  CONTRACT_TRACEPARENT,
  describeBusContract,
} from './bus-contract.ts';
export type { BusContractOptions, BusFixture, BusFixtureOptions, MakeBus } from './bus-contract.ts';
export { sampleAlert, sampleAlertEnriched, sampleAlertReceived, sampleAlertTriaged } from './events.ts';
export type { SampleEventOptions } from './events.ts';
export { injectRawMemory, injectRawServiceBus, injectRawSqlite } from './inject.ts';
export { EMULATOR_IMAGES, hasContainerRuntime, startServiceBusEmulator } from './service-bus-emulator.ts';
export type { ServiceBusEmulatorOptions, StartedServiceBusEmulator } from './service-bus-emulator.ts';
export { memoryBusOf, redeliver, replayOf, settled, until } from './deliveries.ts';
export type { WithBus } from './deliveries.ts';
