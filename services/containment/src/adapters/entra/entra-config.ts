import { readFileSync } from 'node:fs';
import { ClientSecretCredential, DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { AppError, ErrorCode, loadConfig } from '@soc/runtime';
import { z } from 'zod';
import { type EntraRunbooks, entraRunbooks, isDomainName, userRefOf } from './entra-runbooks.ts';
import { GRAPH_DEFAULT_BASE_URL, graphEndpointOf } from './graph-client.ts';

const list = z
  .string()
  .default('')
  .transform((v) => v.split(',').map((s) => s.trim()).filter((s) => s !== ''));

/** Whether `build` throws: the check of a setting reuses the runtime check, never echoing the value. */
function passes(build: () => unknown): boolean {
  try {
    build();
    return true;
  } catch {
    return false;
  }
}

/**
 * The Entra ID runbooks' settings (`ENTRA_*`). The secret comes from a mounted file, never the variable itself.
 * Refused: a Graph base URL that is not a Graph host (or a loopback stand-in), no protected principal, no allowed
 * UPN domain, half a client-secret configuration.
 */
export const EntraConfig = z
  .object({
    ENTRA_GRAPH_BASE_URL: z
      .string()
      .default(GRAPH_DEFAULT_BASE_URL)
      .refine((v) => passes(() => graphEndpointOf(v)), {
        message: 'must be https://graph.microsoft.com (or a national-cloud Graph host: graph.microsoft.us, dod-graph.microsoft.us, microsoftgraph.chinacloudapi.cn), a bare origin; http only on a loopback address',
      }),
    /** The break-glass accounts and any other principal automation must never touch (UPNs or object ids). */
    ENTRA_PROTECTED_PRINCIPALS: list.refine((l) => l.length > 0, { message: 'list the emergency-access (break-glass) accounts, comma-separated UPNs or object ids' }).refine((l) => l.every((p) => userRefOf(p) !== undefined || /^[^\s@]+@[^\s@]+$/.test(p)), {
      message: 'every entry must be a UPN or an object id',
    }),
    ENTRA_ALLOWED_UPN_DOMAINS: list.refine((l) => l.length > 0 && l.every(isDomainName), { message: 'list the tenant domains the runbooks may act in, comma-separated DNS names (e.g. contoso.com)' }),
    /** With ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET_FILE: a client secret credential; without all three, DefaultAzureCredential. */
    ENTRA_TENANT_ID: z.string().regex(/^[A-Za-z0-9.-]{1,128}$/, 'a tenant id or domain').optional(),
    ENTRA_CLIENT_ID: z.string().regex(/^[0-9a-fA-F-]{36}$/, 'an application (client) id').optional(),
    ENTRA_CLIENT_SECRET_FILE: z.string().min(1).optional(),
    /** The Entra ID authority of the client secret credential (a national cloud's); https only. */
    ENTRA_AUTHORITY_HOST: z.url({ protocol: /^https$/, error: 'must be an https URL' }).optional(),
    ENTRA_GRAPH_TIMEOUT_SECONDS: z.coerce.number().int().min(1).max(120).default(30),
  })
  .superRefine((c, ctx) => {
    const secret = [c.ENTRA_TENANT_ID, c.ENTRA_CLIENT_ID, c.ENTRA_CLIENT_SECRET_FILE];
    if (secret.some((v) => v !== undefined) && secret.some((v) => v === undefined)) {
      ctx.addIssue({ code: 'custom', path: ['ENTRA_CLIENT_ID'], message: 'a client secret credential needs ENTRA_TENANT_ID, ENTRA_CLIENT_ID and ENTRA_CLIENT_SECRET_FILE together (or none of them, for DefaultAzureCredential)' });
    }
    if (c.ENTRA_AUTHORITY_HOST !== undefined && c.ENTRA_CLIENT_SECRET_FILE === undefined) {
      ctx.addIssue({ code: 'custom', path: ['ENTRA_AUTHORITY_HOST'], message: 'applies only to the client secret credential; DefaultAzureCredential reads AZURE_AUTHORITY_HOST' });
    }
  });
export type EntraConfig = z.infer<typeof EntraConfig>;

/** What {@link entraRunbooksFromEnv} takes besides the environment (tests give a fixed-token credential and a clock). */
export interface EntraRunbooksFromEnvOptions {
  /** Replaces the credential the environment would build. */
  credential?: TokenCredential;
  fetch?: typeof globalThis.fetch;
  now?: () => Date;
}

/**
 * The Entra ID runbooks (`disable-user`, `revoke-sessions`) from `ENTRA_*` variables: a `ClientSecretCredential`
 * when the tenant, client id and secret file are set, else `DefaultAzureCredential` (workload identity on AKS).
 * A bad setting throws `CONFIGURATION_INVALID` naming every problem, never a value.
 */
export function entraRunbooksFromEnv(env: Record<string, string | undefined>, opts: EntraRunbooksFromEnvOptions = {}): EntraRunbooks {
  const config = loadConfig(EntraConfig, env);
  return entraRunbooks({
    credential: opts.credential ?? credentialOf(config),
    baseUrl: config.ENTRA_GRAPH_BASE_URL,
    protectedPrincipals: config.ENTRA_PROTECTED_PRINCIPALS,
    allowedUpnDomains: config.ENTRA_ALLOWED_UPN_DOMAINS,
    timeoutMs: config.ENTRA_GRAPH_TIMEOUT_SECONDS * 1000,
    ...(opts.fetch ? { fetch: opts.fetch } : {}),
    ...(opts.now ? { now: opts.now } : {}),
  });
}

function credentialOf(config: EntraConfig): TokenCredential {
  if (config.ENTRA_TENANT_ID === undefined || config.ENTRA_CLIENT_ID === undefined || config.ENTRA_CLIENT_SECRET_FILE === undefined) return new DefaultAzureCredential();
  let secret: string;
  try {
    secret = readFileSync(config.ENTRA_CLIENT_SECRET_FILE, 'utf8').trim();
  } catch (error) {
    throw new AppError(ErrorCode.CONFIGURATION_INVALID, `ENTRA_CLIENT_SECRET_FILE: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`, { retryable: false });
  }
  if (secret === '') throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'ENTRA_CLIENT_SECRET_FILE: the file is empty', { retryable: false });
  return new ClientSecretCredential(config.ENTRA_TENANT_ID, config.ENTRA_CLIENT_ID, secret, config.ENTRA_AUTHORITY_HOST !== undefined ? { authorityHost: config.ENTRA_AUTHORITY_HOST } : {});
}
