import { z } from 'zod';
import { DEFAULT_DISPOSITION_HALF_LIFE_DAYS } from '@soc/contracts';
import { LogAnalyticsConfig } from '@soc/log-analytics';

/** The enrichment service's own settings (platform settings are in @soc/platform). */
const csv = z
  .string()
  .default('')
  .transform((s) => s.split(',').map((p) => p.trim()).filter((p) => p !== ''));

export const EnrichmentConfig = z.object({
  HISTORY_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(90),
  /** Half-life of an analyst's disposition in the priors history states, in days (`decayedDispositions` in @soc/contracts). */
  HISTORY_HALF_LIFE_DAYS: z.coerce.number().min(1).max(3650).default(DEFAULT_DISPOSITION_HALF_LIFE_DAYS),
  /**
   * Keep a rule's sightings and dispositions as one aggregate for every tenant (a detector's history informs every
   * tenant it fires in); off, each tenant's rule history is its own. Entity history and the tenant prior never pool.
   */
  HISTORY_POOL_RULES_ACROSS_TENANTS: z.union([z.boolean(), z.stringbool()]).default(false),
  /** Local threat-intel feeds: comma-separated files or directories (CSV, Microsoft JSON, STIX 2.1, MISP JSON). */
  TI_FEEDS: csv,
  /** VirusTotal v3: off without a key (a secret: mount it from Key Vault). */
  VIRUSTOTAL_API_KEY: z.string().min(16).optional(),
  VIRUSTOTAL_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://www.virustotal.com'),
  /**
   * The organisation's own domains (with their subdomains) and address ranges, never sent to VirusTotal; added to the
   * built-in ones (non-public addresses, single-label names, .local .localdomain .internal .intranet .corp .lan
   * .home.arpa .private). Comma-separated.
   */
  VIRUSTOTAL_EXCLUDE_DOMAINS: csv,
  VIRUSTOTAL_EXCLUDE_NETWORKS: csv.refine((l) => l.every((n) => /^[0-9a-fA-F:.]+(\/\d{1,3})?$/.test(n)), 'comma-separated addresses or CIDR ranges (10.0.0.0/8, 2001:db8::/32)'),
  /** Indicators of one alert sent to VirusTotal at most (its quota is per request). */
  VIRUSTOTAL_MAX_INDICATORS: z.coerce.number().int().min(1).max(100).default(8),
  /** MISP (`POST /attributes/restSearch`): on when both the instance URL and an auth key (a secret) are set. */
  MISP_URL: z.url({ protocol: /^https?$/ }).optional(),
  MISP_API_KEY: z.string().min(16).optional(),
  /** Cache of external threat-intel answers, and of "nothing known" answers. */
  TI_CACHE_TTL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(360),
  TI_NEGATIVE_TTL_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** Asset inventories: comma-separated CSV/JSON files or directories (hostname, fqdn, ip, criticality, owner, location, tags). */
  ASSET_INVENTORY_FILES: csv,
  /** ServiceNow CMDB (Table API, `cmdb_ci_computer`): off without an instance URL. */
  SERVICENOW_INSTANCE_URL: z.url({ protocol: /^https?$/ }).optional(),
  /** Basic auth of an integration user with read access to the CMDB (the password is a secret). */
  SERVICENOW_USER: z.string().min(1).optional(),
  SERVICENOW_PASSWORD: z.string().min(1).optional(),
  /** An OAuth bearer token instead of basic auth (a secret). */
  SERVICENOW_TOKEN: z.string().min(1).optional(),
  /** User directories: comma-separated CSV/JSON files or directories (upn, objectId, account, department, …). */
  USER_DIRECTORY_FILES: csv,
  /** Microsoft Graph users, memberOf and Entra ID Protection risky users, with DefaultAzureCredential. */
  GRAPH_ENABLED: z.union([z.boolean(), z.stringbool()]).default(false),
  GRAPH_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://graph.microsoft.com'),
  /** Group display names that make a member privileged; empty: the AD protected groups (Domain Admins …). */
  GRAPH_PRIVILEGED_GROUPS: csv,
  /** Allowlists: comma-separated JSON files or directories (entries with reason and expiresAt). */
  ALLOWLIST_FILES: csv,
  /** Cache of CMDB and Graph answers, and of "not known" answers. */
  CONTEXT_CACHE_TTL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
  CONTEXT_NEGATIVE_TTL_MINUTES: z.coerce.number().int().min(1).max(1440).default(10),
  /** Host/IP and user entities of one alert looked up at most (each), so one alert cannot flood the CMDB or Graph. */
  CONTEXT_MAX_ENTITIES: z.coerce.number().int().min(1).max(500).default(25),
  /**
   * Fetch the raw events of a Sentinel or Defender alert that carries none (naming a host) from the Log Analytics
   * workspace, by one guarded, audited query. Off by default, even with a workspace: every alert without an event
   * costs a query. Needs LOG_ANALYTICS_WORKSPACE_ID.
   */
  ENRICHMENT_FETCH_EVENTS: z.union([z.boolean(), z.stringbool()]).default(false),
  /** Minutes before and after the alert's detection time the fetch reads. */
  ENRICHMENT_FETCH_WINDOW_MINUTES: z.coerce.number().int().min(1).max(1440).default(15),
  /** How long one fetch may take end to end; a slower one is abandoned and the alert goes on without events. */
  ENRICHMENT_FETCH_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(600).default(30),
  /** The workspace, its endpoint, the KQL policy and the audit retention, as `@soc/log-analytics` reads them. */
  ...LogAnalyticsConfig.shape,
})
.superRefine((c, ctx) => {
  if (c.ENRICHMENT_FETCH_EVENTS && c.LOG_ANALYTICS_WORKSPACE_ID === undefined)
    ctx.addIssue({ code: 'custom', path: ['ENRICHMENT_FETCH_EVENTS'], message: 'set LOG_ANALYTICS_WORKSPACE_ID: events are fetched from a Log Analytics workspace' });
  if (c.SERVICENOW_INSTANCE_URL === undefined) return;
  const basic = c.SERVICENOW_USER !== undefined && c.SERVICENOW_PASSWORD !== undefined;
  if (basic === (c.SERVICENOW_TOKEN !== undefined))
    ctx.addIssue({ code: 'custom', path: ['SERVICENOW_INSTANCE_URL'], message: 'set SERVICENOW_USER and SERVICENOW_PASSWORD, or SERVICENOW_TOKEN (one of the two)' });
});
export type EnrichmentConfig = z.infer<typeof EnrichmentConfig>;
