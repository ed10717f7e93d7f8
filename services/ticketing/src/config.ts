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
  })
  .superRefine((c, ctx) => {
    if (c.TICKET_SYSTEM !== 'servicenow') return;
    const missing = (path: string, message: string): void => {
      ctx.addIssue({ code: 'custom', path: [path], message });
    };
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
