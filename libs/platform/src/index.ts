export { CheckedPlatformEnv, PlatformEnv } from './env.ts';
export { busConfigOf, openPlatform, stateConfigOf } from './open-platform.ts';
export type { OpenPlatformOptions, Platform } from './open-platform.ts';
export { runServices, startProcessTracing } from './run-services.ts';
export type { RunServicesOptions, RunningSystem, ServiceModule, StartedService } from './run-services.ts';
export {
  DEFAULT_API_PRINCIPAL,
  DEFAULT_API_ROLES,
  DEFAULT_SENDER_PRINCIPAL,
  describePrincipals,
  generatedSenderTokenPath,
  generatedTokenPath,
  parseTenantGrant,
  parseTenantGrants,
  resolveApiRoles,
  resolveApiTenants,
  resolveApiTokens,
  resolveSenderToken,
} from './tokens.ts';
export type { NamedToken, PrincipalDescription } from './tokens.ts';
export { withMountedSecrets } from './secrets-dir.ts';
export {
  SESSIONS_COLLECTION,
  StateSessionStore,
  apiPrincipalSources,
  entraApiSettingsOf,
  resolveEntraDirectory,
  sessionCookieOf,
  sessionLookup,
  sessionPrincipal,
  sessionRefOf,
} from './sign-in.ts';
export type { ApiPrincipalSourcesInput, EntraApiSettings, EntraDirectory, PrincipalDirectory, SessionCookie, SessionRecord } from './sign-in.ts';
