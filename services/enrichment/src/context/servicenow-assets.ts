import { z } from 'zod';
import { AppError, ErrorCode, type Clock } from '@soc/runtime';
import { criticalityOf } from './file-assets.ts';
import { configuredBase, requestJson, unexpectedShape } from '../http-json.ts';
import { hostKey, ipKey } from './keys.ts';
import type { AssetDirectory, AssetKey, AssetMatch, AssetRecord } from './ports.ts';

/** Basic auth (an integration user) or an OAuth bearer token; both secrets from configuration. */
export type ServiceNowAuth = { kind: 'basic'; user: string; password: string } | { kind: 'bearer'; token: string };

/** Options of {@link ServiceNowAssetDirectory}; all from configuration, never from alert content. */
export interface ServiceNowAssetDirectoryOptions {
  /** `https://<instance>.service-now.com`. */
  instanceUrl: string;
  auth: ServiceNowAuth;
  clock: Clock;
  fetch?: typeof globalThis.fetch;
  /** The CMDB class table. Default `cmdb_ci_computer` (servers and workstations). */
  table?: string;
  /** Keys per request; more are split into several requests. Default 20. */
  maxKeysPerRequest?: number;
  /** Per request. Default 10 s. */
  timeoutMs?: number;
  /** Default 4 MiB. */
  maxResponseBytes?: number;
}

/** The fields requested (`sysparm_fields`). `u_criticality` and `u_soc_tags` are custom fields an instance may add. */
export const SERVICENOW_FIELDS = [
  'sys_id',
  'name',
  'fqdn',
  'ip_address',
  'busines_criticality',
  'u_criticality',
  'owned_by',
  'assigned_to',
  'location',
  'sys_class_name',
  'u_soc_tags',
] as const;

const text = z.string().max(4096).optional();
/** A Table API record with `sysparm_display_value=true` and `sysparm_exclude_reference_link=true`: every field a string. */
export const ServiceNowCi = z.object({
  sys_id: z.string().regex(/^[0-9a-f]{32}$/),
  name: text,
  fqdn: text,
  ip_address: text,
  busines_criticality: text,
  u_criticality: text,
  owned_by: text,
  assigned_to: text,
  location: text,
  sys_class_name: text,
  u_soc_tags: text,
});
export type ServiceNowCi = z.infer<typeof ServiceNowCi>;
/** The Table API list answer: `{ "result": [ … ] }`. */
export const ServiceNowTableResponse = z.object({ result: z.array(z.unknown()).max(10_000) });

const TABLE = /^[a-z][a-z0-9_]{0,79}$/;

/**
 * The CI as an asset record. Criticality: `u_criticality` when set (a word or a leading digit 1–4), else the
 * out-of-the-box `busines_criticality` (sic) choice — `1 - most critical` → critical, `2 - somewhat critical` → high,
 * `3 - less critical` → medium, `4 - not critical` → low. Owner: `owned_by`, else `assigned_to`. Tags: `u_soc_tags`
 * (comma-separated). Pure.
 */
export function assetFromCi(ci: ServiceNowCi, reference: string, fetchedAt: string): AssetRecord {
  const host = ci.name ? hostKey(ci.name) : undefined;
  const fqdn = ci.fqdn ? hostKey(ci.fqdn) : undefined;
  const ip = ci.ip_address ? ipKey(ci.ip_address) : undefined;
  const criticality = criticalityOf(ci.u_criticality) ?? criticalityOf(ci.busines_criticality);
  const owner = ci.owned_by?.trim() || ci.assigned_to?.trim();
  const location = ci.location?.trim();
  return {
    ...(host ? { hostname: host.value } : {}),
    ...(fqdn ? { fqdn: fqdn.value } : {}),
    ips: ip ? [ip.value] : [],
    ...(criticality ? { criticality } : {}),
    ...(owner ? { owner: owner.slice(0, 256) } : {}),
    ...(location ? { location: location.slice(0, 256) } : {}),
    tags: [
      ...new Set(
        (ci.u_soc_tags ?? '')
          .split(',')
          .map((t) => t.trim().toLowerCase().slice(0, 64))
          .filter((t) => t !== ''),
      ),
    ],
    provenance: { source: 'servicenow', fetchedAt, cacheHit: false, reference },
  };
}

/**
 * ServiceNow CMDB via the Table API: `GET /api/now/table/cmdb_ci_computer?sysparm_query=name=<h>^ORfqdn=<h>^ORip_address=<ip>…
 * &sysparm_fields=…&sysparm_limit=…&sysparm_display_value=true&sysparm_exclude_reference_link=true`. Keys are
 * canonical host names and addresses, whose characters cannot change the encoded query (no `^`, `=`, `,`), and the
 * query is one URL-encoded parameter, so alert content never changes the host or path. Redirects are not followed.
 */
export class ServiceNowAssetDirectory implements AssetDirectory {
  readonly name = 'servicenow';
  readonly #endpoint: URL;
  readonly #instance: URL;
  readonly #table: string;
  readonly #authorization: string;
  readonly #fetch: typeof globalThis.fetch;
  readonly #clock: Clock;
  readonly #chunk: number;
  readonly #timeoutMs: number;
  readonly #maxBytes: number;

  constructor(opts: ServiceNowAssetDirectoryOptions) {
    const table = opts.table ?? 'cmdb_ci_computer';
    if (!TABLE.test(table))
      throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'ServiceNow table name is invalid', { retryable: false });
    this.#instance = configuredBase(opts.instanceUrl, 'ServiceNow instance');
    this.#endpoint = new URL(`api/now/table/${table}`, this.#instance);
    this.#table = table;
    const { auth } = opts;
    if (auth.kind === 'basic') {
      if (auth.user === '' || auth.password === '')
        throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'ServiceNow user or password is empty', {
          retryable: false,
        });
      this.#authorization = `Basic ${Buffer.from(`${auth.user}:${auth.password}`, 'utf8').toString('base64')}`;
    } else {
      if (auth.token.trim() === '')
        throw new AppError(ErrorCode.CONFIGURATION_INVALID, 'ServiceNow token is empty', { retryable: false });
      this.#authorization = `Bearer ${auth.token}`;
    }
    this.#fetch = opts.fetch ?? globalThis.fetch;
    this.#clock = opts.clock;
    this.#chunk = Math.max(1, Math.min(50, opts.maxKeysPerRequest ?? 20));
    this.#timeoutMs = opts.timeoutMs ?? 10_000;
    this.#maxBytes = opts.maxResponseBytes ?? 4 * 1024 * 1024;
  }

  /** The request URL for a batch of keys (exposed for the SSRF tests). */
  urlFor(keys: readonly AssetKey[]): URL {
    const terms: string[] = [];
    for (const k of keys) {
      // Re-validated here: only canonical keys reach the query, whatever the caller passes.
      if (k.type === 'host' && hostKey(k.value)?.value === k.value) terms.push(`name=${k.value}`, `fqdn=${k.value}`);
      else if (k.type === 'ip' && ipKey(k.value)?.value === k.value) terms.push(`ip_address=${k.value}`);
    }
    const url = new URL(this.#endpoint);
    url.searchParams.set('sysparm_query', terms.join('^OR'));
    url.searchParams.set('sysparm_fields', SERVICENOW_FIELDS.join(','));
    url.searchParams.set('sysparm_limit', String(Math.min(200, keys.length * 5)));
    url.searchParams.set('sysparm_display_value', 'true');
    url.searchParams.set('sysparm_exclude_reference_link', 'true');
    return url;
  }

  async lookup(keys: readonly AssetKey[]): Promise<AssetMatch[]> {
    const valid = keys.filter((k) =>
      k.type === 'host' ? hostKey(k.value)?.value === k.value : ipKey(k.value)?.value === k.value,
    );
    const matches: AssetMatch[] = [];
    for (let i = 0; i < valid.length; i += this.#chunk) {
      const chunk = valid.slice(i, i + this.#chunk);
      const assets = await this.#fetchChunk(chunk);
      for (const k of chunk) {
        for (const asset of assets) {
          const hit =
            k.type === 'host' ? asset.hostname === k.value || asset.fqdn === k.value : asset.ips.includes(k.value);
          if (hit) matches.push({ key: k.key, asset });
        }
      }
    }
    return matches;
  }

  async #fetchChunk(keys: readonly AssetKey[]): Promise<AssetRecord[]> {
    const what = 'ServiceNow CMDB lookup';
    const { body } = await requestJson(this.urlFor(keys), {
      fetch: this.#fetch,
      headers: { authorization: this.#authorization },
      timeoutMs: this.#timeoutMs,
      maxBytes: this.#maxBytes,
      what,
    });
    const parsed = ServiceNowTableResponse.safeParse(body);
    if (!parsed.success) throw unexpectedShape(what, z.prettifyError(parsed.error));
    const fetchedAt = this.#clock.now().toISOString();
    const out: AssetRecord[] = [];
    for (const item of parsed.data.result) {
      const ci = ServiceNowCi.safeParse(item);
      // One odd record must not hide the others.
      if (!ci.success) continue;
      const reference = new URL(`nav_to.do?uri=${this.#table}.do%3Fsys_id%3D${ci.data.sys_id}`, this.#instance).href;
      out.push(assetFromCi(ci.data, reference, fetchedAt));
    }
    return out;
  }
}
