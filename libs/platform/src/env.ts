import { z } from 'zod';
import { DEFAULT_HTTP_SERVER_LIMITS, TENANT_ID_PATTERN } from '@soc/http';
import { parseInternalNetworks } from '@soc/guardrails';

const bool = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');
/** An optional value where an empty string (a chart's `''` default) means unset. */
const unsetIfEmpty = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/**
 * Environment variables every SOC Copilot process reads: where the bus and state live, logging, HTTP and the
 * API tokens. Each service adds its own variables in its `config.ts`. Secrets are only ever read here, never logged.
 */
export const PlatformEnv = z.object({
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SOC_DATA_DIR: z.string().min(1).default('./data'),
  /** The tenant of this deployment: every sender's and API principal's tenant unless INGEST_AUTH_FILE or SOC_API_TENANTS name others. */
  SOC_TENANT_ID: z.string().regex(TENANT_ID_PATTERN, 'a tenant id is 1-64 letters, digits, . _ or -, starting with a letter or digit').default('default'),
  PORT: z.coerce.number().int().min(0).max(65_535).default(8080),
  HOST: z.string().min(1).default('0.0.0.0'),
  SOC_PUBLIC_URL: z.url().default('http://localhost:8080'),
  /** Time a client has to send its request line and headers (slowloris), then 408. */
  SOC_HTTP_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).max(300_000).default(DEFAULT_HTTP_SERVER_LIMITS.headersTimeoutMs),
  /** Time a client has to send its whole request, body included (slow POST); not the time to answer it. */
  SOC_HTTP_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).max(3_600_000).default(DEFAULT_HTTP_SERVER_LIMITS.requestTimeoutMs),
  /** Idle time of a kept-alive connection; behind a load balancer, longer than the balancer's idle timeout. */
  SOC_HTTP_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(0).max(3_600_000).default(DEFAULT_HTTP_SERVER_LIMITS.keepAliveTimeoutMs),
  /** Connections held at once (per process); one more is closed when accepted. */
  SOC_HTTP_MAX_CONNECTIONS: z.coerce.number().int().min(1).max(1_000_000).default(DEFAULT_HTTP_SERVER_LIMITS.maxConnections),
  /** Headers read per request, and bytes of request line plus headers (431 above it). */
  SOC_HTTP_MAX_HEADERS_COUNT: z.coerce.number().int().min(10).max(2_000).default(DEFAULT_HTTP_SERVER_LIMITS.maxHeadersCount),
  SOC_HTTP_MAX_HEADER_BYTES: z.coerce.number().int().min(4_096).max(1_048_576).default(DEFAULT_HTTP_SERVER_LIMITS.maxHeaderBytes),
  /**
   * The organisation's internal address ranges, comma-separated CIDR (default RFC 1918, loopback, link-local, CGNAT
   * 100.64/10, ULA fc00::/7; a leading `+` adds to the defaults). Ingestion sets every IP entity's `isInternal` from
   * it, overriding the sender, and the containment guardrail decides with it.
   */
  SOC_INTERNAL_NETWORKS: z
    .string()
    .optional()
    .transform((text, ctx) => {
      const parsed = parseInternalNetworks(text);
      if (!parsed.ok) for (const message of parsed.errors) ctx.addIssue({ code: 'custom', message });
      return parsed.ok ? parsed.set : z.NEVER;
    }),

  SOC_BUS: z.enum(['sqlite', 'memory', 'servicebus']).default('sqlite'),
  SOC_BUS_FILE: z.string().min(1).optional(),
  BUS_MAX_DELIVERY_COUNT: z.coerce.number().int().min(1).max(100).default(5),
  BUS_LOCK_DURATION_MS: z.coerce.number().int().min(1_000).default(30_000),
  BUS_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(1_000).default(32),
  SERVICEBUS_CONNECTION_STRING: z.string().min(1).optional(),
  SERVICEBUS_NAMESPACE: z.string().min(1).optional(),
  SERVICEBUS_TOPIC: z.string().min(1).default('soc-events'),
  SERVICEBUS_MANAGE_TOPOLOGY: bool.default(false),

  SOC_STATE: z.enum(['sqlite', 'memory', 'cosmos']).default('sqlite'),
  SOC_STATE_FILE: z.string().min(1).optional(),
  COSMOS_ENDPOINT: z.url().optional(),
  COSMOS_KEY: z.string().min(1).optional(),
  COSMOS_DATABASE: z.string().min(1).default('soc-copilot'),
  COSMOS_CONTAINER: z.string().min(1).default('state'),
  COSMOS_CREATE_IF_NOT_EXISTS: bool.default(false),

  /** One token; its principal name is `api`. */
  SOC_API_TOKEN: z.string().min(16, 'must be at least 16 characters (use: openssl rand -hex 32)').optional(),
  /** Several named tokens: `name:token,name2:token2`; the name is recorded as the approver or analyst. */
  SOC_API_TOKENS: z.string().optional(),
  /**
   * The roles of each API principal: `name:role+role,name2:role` (roles: viewer, analyst, approver, hunter, admin).
   * Default `api:viewer+analyst+approver+hunter+admin`; a principal not named has no role.
   */
  SOC_API_ROLES: z.string().optional(),
  /**
   * MSSP mode: the tenants each API principal may see, `name:tenant|tenant,name2:*` (`*`: every tenant). A principal
   * not named sees SOC_TENANT_ID only, so a single-tenant deployment needs nothing here.
   */
  SOC_API_TENANTS: z.string().optional(),
  /**
   * Bearer JWTs from Microsoft Entra ID for the API: the directory (tenant) id whose tokens are accepted (`tid`) and
   * the API app's client id or App ID URI (`aud`). Both or neither; without them only API tokens and sessions count.
   */
  SOC_API_ENTRA_TENANT_ID: unsetIfEmpty(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'an Entra tenant id (a GUID)')),
  SOC_API_ENTRA_AUDIENCE: unsetIfEmpty(z.string().min(1).max(512)),
  /** Overrides of the issuer (default https://login.microsoftonline.com/<tenant>/v2.0) and JWKS (…/discovery/v2.0/keys): sovereign clouds, v1 tokens, tests. */
  SOC_API_ENTRA_ISSUER: unsetIfEmpty(z.string().min(1).max(512)),
  SOC_API_ENTRA_JWKS_URL: unsetIfEmpty(z.url({ protocol: /^https?$/ })),
  /** Entra app role value → our role, `SOC.Viewer:viewer,SOC.Approver:approver`; default: app roles named like ours. */
  SOC_API_ENTRA_ROLE_MAP: unsetIfEmpty(z.string()),
  /** The tenants of Entra principals (by name, as SOC_API_TENANTS): `alice@contoso.com:contoso|fabrikam,lead@mssp.com:*`. */
  SOC_API_ENTRA_TENANTS: unsetIfEmpty(z.string()),
  /** The tenants of an Entra principal SOC_API_ENTRA_TENANTS does not name (`contoso|fabrikam` or `*`); unset: none (fail closed). */
  SOC_API_ENTRA_DEFAULT_TENANTS: unsetIfEmpty(z.string()),
  /** Lifetime of a console session, hours (a shift or a little more). */
  SOC_SESSION_HOURS: z.coerce.number().min(0.25).max(24).default(12),
  /**
   * Reverse proxies in front of the HTTP server whose `X-Forwarded-For` is believed (Express `trust proxy` hop count):
   * 0 (default), the client address is the TCP peer; 1 behind one ingress, and so on. Never more than there are: a
   * client could then name any address it likes (the sign-in limits count by it).
   */
  SOC_TRUST_PROXY_HOPS: z.coerce.number().int().min(0).max(10).default(0),
  /** Mark the session cookie Secure even when SOC_PUBLIC_URL is http (TLS terminated in front of a proxy that rewrites it). */
  SOC_COOKIE_SECURE: bool.default(false),
  /** The single sender's token (principal `sender`, every source) when INGEST_AUTH_FILE names no senders. */
  SOC_SENDER_TOKEN: z.string().min(16, 'must be at least 16 characters (use: openssl rand -hex 32)').optional(),
  /** Token for `/metrics`; absent: the API tokens are accepted. `open` disables auth for scrapers on a private network. */
  SOC_METRICS_TOKEN: z.string().min(1).optional(),
  /** A directory of mounted secrets (Key Vault CSI), one file per variable; read before this schema applies. */
  SOC_SECRETS_DIR: z.string().min(1).optional(),

  /** OpenTelemetry's standard variables: traces are exported over OTLP/HTTP (JSON) when an endpoint is set. */
  OTEL_EXPORTER_OTLP_ENDPOINT: unsetIfEmpty(z.url({ protocol: /^https?$/ })),
  /** The traces URL itself (used as is, no `/v1/traces` appended); wins over OTEL_EXPORTER_OTLP_ENDPOINT. */
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: unsetIfEmpty(z.url({ protocol: /^https?$/ })),
  /** `service.name` of the spans; default the process's name (its one service, or `soc-copilot`). */
  OTEL_SERVICE_NAME: unsetIfEmpty(z.string().min(1)),
  OTEL_SDK_DISABLED: bool.default(false),
  /** `none` turns trace export off; `otlp` is the only exporter. */
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'none']).default('otlp'),
});
export type PlatformEnv = z.infer<typeof PlatformEnv>;

/** Cross-field rules: the chosen adapter's settings must be present. */
export const CheckedPlatformEnv = PlatformEnv.superRefine((env, ctx) => {
  if (env.SOC_HTTP_HEADERS_TIMEOUT_MS > env.SOC_HTTP_REQUEST_TIMEOUT_MS) {
    ctx.addIssue({ code: 'custom', path: ['SOC_HTTP_HEADERS_TIMEOUT_MS'], message: 'must not exceed SOC_HTTP_REQUEST_TIMEOUT_MS (the headers are part of the request)' });
  }
  if (env.SOC_BUS === 'servicebus' && !env.SERVICEBUS_CONNECTION_STRING && !env.SERVICEBUS_NAMESPACE) {
    ctx.addIssue({ code: 'custom', path: ['SERVICEBUS_NAMESPACE'], message: 'SOC_BUS=servicebus needs SERVICEBUS_NAMESPACE (managed identity) or SERVICEBUS_CONNECTION_STRING' });
  }
  if (env.SOC_STATE === 'cosmos' && !env.COSMOS_ENDPOINT) {
    ctx.addIssue({ code: 'custom', path: ['COSMOS_ENDPOINT'], message: 'SOC_STATE=cosmos needs COSMOS_ENDPOINT' });
  }
  if ((env.SOC_API_ENTRA_TENANT_ID === undefined) !== (env.SOC_API_ENTRA_AUDIENCE === undefined)) {
    ctx.addIssue({ code: 'custom', path: ['SOC_API_ENTRA_AUDIENCE'], message: 'set both SOC_API_ENTRA_TENANT_ID and SOC_API_ENTRA_AUDIENCE (or neither)' });
  }
  // Outside the embedded default there is no local file to keep a generated token in: tokens must be configured.
  if ((env.SOC_BUS === 'servicebus' || env.SOC_STATE === 'cosmos') && !env.SOC_API_TOKEN && !env.SOC_API_TOKENS) {
    ctx.addIssue({ code: 'custom', path: ['SOC_API_TOKEN'], message: 'set SOC_API_TOKEN or SOC_API_TOKENS (from Key Vault) when running on Azure backends' });
  }
});
