import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { DefaultAzureCredential, type TokenCredential } from '@azure/identity';
import { AppError, ErrorCode, loadConfig } from '@soc/runtime';
import { z } from 'zod';
import type { RunbookAdapter } from '../../ports.ts';
import { ARM_DEFAULT_ENDPOINT, ArmClients } from './arm-client.ts';
import { type ArmResource, type ArmScope, parseNsgId, parseScope, subscriptionIdOf } from './arm-ids.ts';
import { nsgBlockPortRunbook } from './nsg-block-port.ts';
import { blockStoragePublicAccessRunbook, rotateStorageKeysRunbook } from './storage-runbooks.ts';

export { ruleNameOf } from './nsg-block-port.ts';
export { previousTagOf } from './storage-runbooks.ts';
export { ARM_DEFAULT_ENDPOINT, armScopeOf } from './arm-client.ts';

/** The runbooks of this directory. */
export type ArmRunbookName = 'nsg-block-port' | 'block-storage-public-access' | 'rotate-storage-keys';

/** Options of {@link armRunbooks}. */
export interface ArmRunbooksOptions {
  /** Production: `DefaultAzureCredential` (workload identity on AKS). */
  credential: TokenCredential;
  /** The subscriptions any target may be in (lower-cased GUIDs). */
  subscriptions: readonly string[];
  /** `nsg-block-port`: the NSG resource ids it may change; the first is the default. None: the runbook is absent. */
  nsgIds?: readonly string[];
  /** `nsg-block-port`: the inclusive priority range of our rules; default 100–199. */
  priorities?: { min: number; max: number };
  /** The storage runbooks: `/subscriptions/<id>` or `/subscriptions/<id>/resourceGroups/<rg>`. None: both absent. */
  storageScopes?: readonly string[];
  /** Default `https://management.azure.com`. */
  endpoint?: string;
  /** PEM certificate(s) to trust for the endpoint instead of the public CAs (the SDK's `tlsOptions.ca`). */
  ca?: string;
  pollIntervalMs?: number;
  now?: () => Date;
}

function configError(message: string): AppError {
  return new AppError(ErrorCode.CONFIGURATION_INVALID, message, { retryable: false });
}

/**
 * The ARM runbooks, keyed by runbook name: `nsg-block-port` when NSGs are configured, `block-storage-public-access`
 * and `rotate-storage-keys` when storage scopes are. Every NSG and scope must lie in an allowed subscription.
 */
export function armRunbooks(opts: ArmRunbooksOptions): Partial<Record<ArmRunbookName, RunbookAdapter>> {
  const subscriptions = new Set(opts.subscriptions.map(subscriptionIdOf));
  if (subscriptions.size === 0) throw configError('ARM runbooks need at least one allowed subscription');
  const outside = (r: { subscriptionId: string }): boolean => !subscriptions.has(r.subscriptionId);
  const nsgs: ArmResource[] = (opts.nsgIds ?? []).map(parseNsgId);
  const scopes: ArmScope[] = (opts.storageScopes ?? []).map(parseScope);
  if (nsgs.some(outside)) throw configError('an NSG is in a subscription that is not allowed');
  if (scopes.some(outside)) throw configError('a storage scope is in a subscription that is not allowed');
  if (nsgs.length === 0 && scopes.length === 0) throw configError('ARM runbooks need NSGs or storage scopes (or both)');
  const clients = new ArmClients({
    credential: opts.credential,
    ...(opts.endpoint !== undefined ? { endpoint: opts.endpoint } : {}),
    ...(opts.ca !== undefined ? { ca: opts.ca } : {}),
    ...(opts.pollIntervalMs !== undefined ? { pollIntervalMs: opts.pollIntervalMs } : {}),
    ...(opts.now !== undefined ? { now: opts.now } : {}),
  });
  const out: Partial<Record<ArmRunbookName, RunbookAdapter>> = {};
  if (nsgs.length > 0) out['nsg-block-port'] = nsgBlockPortRunbook({ clients, nsgs, priorities: opts.priorities ?? { min: 100, max: 199 } });
  if (scopes.length > 0) {
    out['block-storage-public-access'] = blockStoragePublicAccessRunbook({ clients, scopes });
    out['rotate-storage-keys'] = rotateStorageKeysRunbook({ clients, scopes });
  }
  return out;
}

const KNOWN_ARM_HOSTS = new Set(['management.azure.com', 'management.usgovcloudapi.net', 'management.chinacloudapi.cn']);

const list = z
  .string()
  .optional()
  .transform((v) => (v ?? '').split(',').map((s) => s.trim()).filter((s) => s !== ''));

/** The ARM runbooks' settings (see the README next to this file). */
export const ArmRunbooksConfig = z
  .object({
    ARM_SUBSCRIPTIONS: list.pipe(z.array(z.string()).min(1, 'name the subscriptions (GUIDs, comma-separated) the ARM runbooks may act in')),
    ARM_NSG_IDS: list,
    ARM_NSG_PRIORITY_RANGE: z
      .string()
      .default('100-199')
      .transform((v, ctx) => {
        const m = /^(\d{3,4})-(\d{3,4})$/.exec(v.trim());
        const min = Number(m?.[1]);
        const max = Number(m?.[2]);
        if (!m || min < 100 || max > 4096 || min > max) {
          ctx.addIssue({ code: 'custom', message: 'a priority range low-high within 100-4096 (e.g. 100-199)' });
          return z.NEVER;
        }
        return { min, max };
      }),
    ARM_STORAGE_SCOPES: list,
    ARM_ENDPOINT: z.string().default(ARM_DEFAULT_ENDPOINT),
    /** A PEM file of the CA(s) to trust for ARM_ENDPOINT instead of the public ones (a stand-in, an inspecting proxy). */
    ARM_CA_FILE: z.string().min(1).optional(),
  })
  .superRefine((c, ctx) => {
    const subs = new Set<string>();
    for (const s of c.ARM_SUBSCRIPTIONS) {
      try {
        subs.add(subscriptionIdOf(s));
      } catch {
        ctx.addIssue({ code: 'custom', path: ['ARM_SUBSCRIPTIONS'], message: 'not a subscription id (a GUID)' });
      }
    }
    const check = (key: 'ARM_NSG_IDS' | 'ARM_STORAGE_SCOPES', parse: (v: string) => { subscriptionId: string }): void => {
      for (const v of c[key]) {
        try {
          if (!subs.has(parse(v).subscriptionId)) ctx.addIssue({ code: 'custom', path: [key], message: 'lies in a subscription not listed in ARM_SUBSCRIPTIONS' });
        } catch (error) {
          ctx.addIssue({ code: 'custom', path: [key], message: (error as Error).message });
        }
      }
    };
    check('ARM_NSG_IDS', parseNsgId);
    check('ARM_STORAGE_SCOPES', parseScope);
    if (c.ARM_NSG_IDS.length === 0 && c.ARM_STORAGE_SCOPES.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['ARM_NSG_IDS'], message: 'set ARM_NSG_IDS (nsg-block-port) or ARM_STORAGE_SCOPES (the storage runbooks), or both' });
    }
    let url: URL | undefined;
    try {
      url = new URL(c.ARM_ENDPOINT);
    } catch {
      ctx.addIssue({ code: 'custom', path: ['ARM_ENDPOINT'], message: 'not a URL' });
    }
    if (url) {
      const loopback = url.hostname === 'localhost' || (isIP(url.hostname.replace(/^\[|\]$/g, '')) !== 0 && /^(127\.|\[::1\]$)/.test(url.hostname));
      if (url.protocol !== 'https:') ctx.addIssue({ code: 'custom', path: ['ARM_ENDPOINT'], message: 'must be https (the token is a bearer token)' });
      else if (url.username || url.password || url.search || url.hash || (url.pathname !== '/' && url.pathname !== '')) ctx.addIssue({ code: 'custom', path: ['ARM_ENDPOINT'], message: 'must be an origin only (https://host[:port])' });
      else if (!KNOWN_ARM_HOSTS.has(url.hostname) && !loopback) {
        ctx.addIssue({ code: 'custom', path: ['ARM_ENDPOINT'], message: `must be an Azure cloud's ARM host (${[...KNOWN_ARM_HOSTS].join(', ')}) or a loopback stand-in: the ARM token is sent there` });
      }
    }
  });
export type ArmRunbooksConfig = z.infer<typeof ArmRunbooksConfig>;

/** What {@link armRunbooksFromEnv} may be given instead of building it. */
export interface ArmRunbooksDeps {
  credential?: TokenCredential;
  now?: () => Date;
}

/**
 * The ARM runbooks from the environment (zod-validated; a bad setting stops start-up with every problem listed). The
 * credential is `DefaultAzureCredential` (workload identity on AKS) unless one is given.
 */
export function armRunbooksFromEnv(env: Record<string, string | undefined>, deps: ArmRunbooksDeps = {}): Partial<Record<ArmRunbookName, RunbookAdapter>> {
  const c = loadConfig(ArmRunbooksConfig, env);
  let ca: string | undefined;
  if (c.ARM_CA_FILE !== undefined) {
    try {
      ca = readFileSync(c.ARM_CA_FILE, 'utf8');
    } catch (error) {
      throw configError(`ARM_CA_FILE: cannot read the file (${(error as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!ca.includes('-----BEGIN CERTIFICATE-----')) throw configError('ARM_CA_FILE: the file holds no PEM certificate');
  }
  return armRunbooks({
    credential: deps.credential ?? new DefaultAzureCredential(),
    subscriptions: c.ARM_SUBSCRIPTIONS,
    nsgIds: c.ARM_NSG_IDS,
    priorities: c.ARM_NSG_PRIORITY_RANGE,
    storageScopes: c.ARM_STORAGE_SCOPES,
    endpoint: c.ARM_ENDPOINT.replace(/\/+$/, ''),
    ...(ca !== undefined ? { ca } : {}),
    ...(deps.now !== undefined ? { now: deps.now } : {}),
  });
}
