export { CheckedPlatformEnv, PlatformEnv } from './env.ts';
export { busConfigOf, openPlatform, stateConfigOf } from './open-platform.ts';
export type { OpenPlatformOptions, Platform } from './open-platform.ts';
export { runServices, startProcessTracing } from './run-services.ts';
export type { RunServicesOptions, RunningSystem, ServiceModule, StartedService } from './run-services.ts';
export { generatedTokenPath, resolveApiTokens } from './tokens.ts';
export type { NamedToken } from './tokens.ts';
export { withMountedSecrets } from './secrets-dir.ts';
