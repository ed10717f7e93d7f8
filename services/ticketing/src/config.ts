import { httpsOrLoopbackUrl, isEntraTenant } from '@soc/outbound';
import { z } from 'zod';
import { serviceNowInstanceUrl } from './adapters/servicenow-ticket-system.ts';

const optional = z.string().trim().min(1).optional();

/**
 * The ticketing service's own settings. `TICKET_SYSTEM=local` (default) keeps tickets in the state store;
 * `servicenow` also opens incidents in ServiceNow (the policy's `ticket.system` chooses per decision).
 */
export const TicketingConfig = z
  .object({
    TICKET_SYSTEM: z.enum(['local', 'servicenow']).default('local'),
    SERVICENOW_INSTANCE_URL: optional,
    /** OAuth client credentials (preferred) … */
    SERVICENOW_CLIENT_ID: optional,
    SERVICENOW_CLIENT_SECRET: optional,
    /** … or basic auth of an integration user. */
    SERVICENOW_USERNAME: optional,
    SERVICENOW_PASSWORD: optional,
    /** JSON: priorities → impact/urgency, assignment group, category, caller, constant fields. */
    SERVICENOW_FIELD_MAPPING_FILE: optional,
    SERVICENOW_ASSIGNMENT_GROUP: optional,
    SERVICENOW_CATEGORY: optional,
    SERVICENOW_CALLER_ID: optional,
    SERVICENOW_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(10_000),
    /** Verdict write-back to the SIEM (a comment on the Sentinel incident / Graph alert the alert came from). */
    SIEM_WRITEBACK: z.enum(['off', 'on']).default('off'),
    /** The Sentinel workspace whose incidents get comments; all three or none (then no Sentinel write-back). */
    SENTINEL_SUBSCRIPTION_ID: optional,
    SENTINEL_RESOURCE_GROUP: optional,
    SENTINEL_WORKSPACE_NAME: optional,
    /** Also comment on Microsoft Graph security alerts (`alerts_v2`). */
    SIEM_WRITEBACK_GRAPH: z.enum(['off', 'on']).default('off'),
    /** Also write analysts' dispositions back as classification and status (Sentinel incident closed, Graph alert resolved). */
    SIEM_WRITEBACK_STATUS: z.enum(['off', 'on']).default('off'),
    SIEM_WRITEBACK_TIMEOUT_MS: z.coerce.number().int().min(1_000).max(120_000).default(30_000),
    /**
     * An app registration's client secret for the write-back (all three or none); without them the write-back uses
     * `DefaultAzureCredential` (workload identity on AKS). The secret only from a mounted file, never the variable.
     */
    SIEM_WRITEBACK_TENANT_ID: optional,
    SIEM_WRITEBACK_CLIENT_ID: optional,
    SIEM_WRITEBACK_CLIENT_SECRET_FILE: optional,
    /** Entra ID's authority host for that client secret; national clouds (and tests) only. */
    SIEM_WRITEBACK_AUTHORITY_HOST: optional,
    /** Azure Resource Manager, where Sentinel incidents live; national clouds (and tests) only. */
    SENTINEL_ARM_BASE_URL: z.string().trim().default('https://management.azure.com'),
    /** Microsoft Graph, for the security alerts write-back; national clouds (and tests) only. */
    SIEM_WRITEBACK_GRAPH_BASE_URL: z.string().trim().default('https://graph.microsoft.com'),
  })
  .superRefine((c, ctx) => {
    const missing = (path: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [path], message });
    };
    if (c.SIEM_WRITEBACK === 'on') {
      const coordinates = ['SENTINEL_SUBSCRIPTION_ID', 'SENTINEL_RESOURCE_GROUP', 'SENTINEL_WORKSPACE_NAME'] as const;
      const set = coordinates.filter((k) => c[k] !== undefined);
      if (set.length > 0 && set.length < 3)
        for (const k of coordinates) if (c[k] === undefined) missing(k, 'the Sentinel workspace needs SENTINEL_SUBSCRIPTION_ID, SENTINEL_RESOURCE_GROUP and SENTINEL_WORKSPACE_NAME together');
      if (c.SENTINEL_SUBSCRIPTION_ID !== undefined && !/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(c.SENTINEL_SUBSCRIPTION_ID))
        missing('SENTINEL_SUBSCRIPTION_ID', 'is not a subscription id (a GUID)');
      if (set.length === 0 && c.SIEM_WRITEBACK_GRAPH === 'off')
        missing('SIEM_WRITEBACK', 'SIEM_WRITEBACK=on writes nowhere: set the Sentinel workspace (SENTINEL_*) and/or SIEM_WRITEBACK_GRAPH=on');
    }
    const client = ['SIEM_WRITEBACK_TENANT_ID', 'SIEM_WRITEBACK_CLIENT_ID', 'SIEM_WRITEBACK_CLIENT_SECRET_FILE'] as const;
    const clientSet = client.filter((k) => c[k] !== undefined);
    if (clientSet.length > 0 && clientSet.length < 3)
      for (const k of client) if (c[k] === undefined) missing(k, 'a write-back client secret needs SIEM_WRITEBACK_TENANT_ID, SIEM_WRITEBACK_CLIENT_ID and SIEM_WRITEBACK_CLIENT_SECRET_FILE together');
    if (c.SIEM_WRITEBACK_TENANT_ID !== undefined && !isEntraTenant(c.SIEM_WRITEBACK_TENANT_ID)) missing('SIEM_WRITEBACK_TENANT_ID', 'is not a tenant id (GUID) or domain');
    if (c.SIEM_WRITEBACK_AUTHORITY_HOST !== undefined && clientSet.length === 0)
      missing('SIEM_WRITEBACK_AUTHORITY_HOST', 'applies only to a write-back client secret (SIEM_WRITEBACK_TENANT_ID, SIEM_WRITEBACK_CLIENT_ID, SIEM_WRITEBACK_CLIENT_SECRET_FILE); DefaultAzureCredential reads AZURE_AUTHORITY_HOST');
    for (const k of ['SIEM_WRITEBACK_AUTHORITY_HOST', 'SENTINEL_ARM_BASE_URL', 'SIEM_WRITEBACK_GRAPH_BASE_URL'] as const) {
      const value = c[k];
      if (value === undefined) continue;
      try {
        httpsOrLoopbackUrl(value, k);
      } catch (error) {
        missing(k, (error as Error).message.slice(k.length + 1));
      }
    }
    if (c.SIEM_WRITEBACK_STATUS === 'on' && c.SIEM_WRITEBACK !== 'on') missing('SIEM_WRITEBACK_STATUS', 'SIEM_WRITEBACK_STATUS=on needs SIEM_WRITEBACK=on (and its workspace and/or SIEM_WRITEBACK_GRAPH=on)');
    if (c.TICKET_SYSTEM !== 'servicenow') return;
    if (!c.SERVICENOW_INSTANCE_URL) missing('SERVICENOW_INSTANCE_URL', 'required when TICKET_SYSTEM=servicenow (e.g. https://acme.service-now.com)');
    else {
      try {
        serviceNowInstanceUrl(c.SERVICENOW_INSTANCE_URL);
      } catch (error) {
        missing('SERVICENOW_INSTANCE_URL', (error as Error).message);
      }
    }
    const oauth = c.SERVICENOW_CLIENT_ID !== undefined || c.SERVICENOW_CLIENT_SECRET !== undefined;
    const basic = c.SERVICENOW_USERNAME !== undefined || c.SERVICENOW_PASSWORD !== undefined;
    if (oauth && basic) missing('SERVICENOW_CLIENT_ID', 'set either SERVICENOW_CLIENT_ID/SERVICENOW_CLIENT_SECRET (OAuth) or SERVICENOW_USERNAME/SERVICENOW_PASSWORD (basic), not both');
    else if (oauth) {
      if (!c.SERVICENOW_CLIENT_ID) missing('SERVICENOW_CLIENT_ID', 'required with SERVICENOW_CLIENT_SECRET');
      if (!c.SERVICENOW_CLIENT_SECRET) missing('SERVICENOW_CLIENT_SECRET', 'required with SERVICENOW_CLIENT_ID');
    } else if (basic) {
      if (!c.SERVICENOW_USERNAME) missing('SERVICENOW_USERNAME', 'required with SERVICENOW_PASSWORD');
      if (!c.SERVICENOW_PASSWORD) missing('SERVICENOW_PASSWORD', 'required with SERVICENOW_USERNAME');
    } else {
      missing('SERVICENOW_CLIENT_ID', 'TICKET_SYSTEM=servicenow needs SERVICENOW_CLIENT_ID and SERVICENOW_CLIENT_SECRET (OAuth) or SERVICENOW_USERNAME and SERVICENOW_PASSWORD (basic)');
    }
  });
export type TicketingConfig = z.infer<typeof TicketingConfig>;
