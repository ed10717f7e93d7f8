export { PROBLEM_CONTENT_TYPE, problem, problemDetails, problemType } from './problem.ts';
export type { FieldError, ProblemDetails, ProblemInit } from './problem.ts';
export { BEARER_PROBLEMS, PROBLEM_MEDIA_TYPE, Problem, json, problems } from './openapi-problems.ts';
export {
  STATUS_BY_CODE,
  errorHandler,
  fieldErrors,
  isZodError,
  notFound,
  problemTypeOf,
  toProblemResponse,
} from './error-handler.ts';
export type { ErrorHandlerOptions, ProblemResponse } from './error-handler.ts';
export { isBodyParserError, translateBodyParserError } from './body-errors.ts';
export { jsonBody } from './json-body.ts';
export type { JsonBodyOptions } from './json-body.ts';
export { MIN_TOKEN_LENGTH, bearerAuth, tokenMatcher } from './bearer-auth.ts';
export type { BearerAuthOptions, BearerToken } from './bearer-auth.ts';
export { ROLES, ROLE_PURPOSE, effectiveRoles, isRole, requireRole, rolesOf } from './roles.ts';
export type { Role, RoleCheck } from './roles.ts';
export { TENANT_ID_PATTERN, isTenantId, mayAccess, tenantsOf } from './tenants.ts';
export type { TenantGrant } from './tenants.ts';
export { checkReadiness, healthRoutes } from './health.ts';
export type {
  CheckReadinessOptions,
  HealthRoutesOptions,
  MetricsAuth,
  MetricsRegistry,
  Readiness,
  ReadinessCheck,
  ReadinessProbe,
} from './health.ts';
export { REQUEST_ID_HEADER, requestLogging } from './request-logging.ts';
export type { RequestLoggingOptions } from './request-logging.ts';
export { requestTracing } from './request-tracing.ts';
export type { RequestTracingOptions } from './request-tracing.ts';
export { DEFAULT_HTTP_SERVER_LIMITS, listen } from './listen.ts';
export type { HttpServer, HttpServerLimits, ListenOptions } from './listen.ts';
export { apiAuth, bearerTokenOf, isJwtShaped, recheckPrincipal, safeEqual, tokenSource } from './api-auth.ts';
export type { ApiAuthOptions, AuthenticatedPrincipal, PrincipalRecheck, PrincipalSource, SourceVerdict, TokenSourceOptions } from './api-auth.ts';
export {
  DEFAULT_ENTRA_ROLE_MAP,
  ENTRA_CLOCK_SKEW_SECONDS,
  ENTRA_KEYS_RETRY_AFTER_SECONDS,
  entraIssuerOf,
  entraJwtSource,
  entraPrincipalOf,
  isKeySetUnavailable,
  parseEntraRoleMap,
  rolesFromClaim,
} from './entra-jwt.ts';
export type { EntraJwtSourceOptions, EntraRoleMap } from './entra-jwt.ts';
export { CSRF_HEADER, cookieOf, isSameOrigin, sessionSource } from './session-auth.ts';
export type { ResolvedSession, SessionLookup, SessionSourceOptions } from './session-auth.ts';
export { KeyedRateLimiter } from './rate-limiter.ts';
