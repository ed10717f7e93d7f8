export { EntraConfig, type EntraRunbooksFromEnvOptions, entraRunbooksFromEnv } from './entra-config.ts';
export { type EntraRunbooks, type EntraRunbooksOptions, entraRunbooks } from './entra-runbooks.ts';
export { GRAPH_DEFAULT_BASE_URL, type GraphCall, GraphClient, type GraphClientOptions, type GraphPermission, graphEndpointOf } from './graph-client.ts';
