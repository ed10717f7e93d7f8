export { describeStateStoreContract } from './state-contract.ts';
export type { MakeStateStore, StateContractContext } from './state-contract.ts';
export { startCosmosTestServer } from './cosmos-test-server.ts';
export type { CosmosTestServer } from './cosmos-test-server.ts';
