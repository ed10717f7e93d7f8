import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROLES, type Role, type TenantGrant, effectiveRoles, isRole, isTenantId } from '@soc/http';
import { AppError, ErrorCode } from '@soc/runtime';
import type { PlatformEnv } from './env.ts';

/** A named bearer token. */
export interface NamedToken {
  name: string;
  token: string;
}

/** The principal of `SOC_API_TOKEN` and of the analyst token the embedded default generates. */
export const DEFAULT_API_PRINCIPAL = 'api';
/** The principal of `SOC_SENDER_TOKEN` and of the sender token the embedded default generates. */
export const DEFAULT_SENDER_PRINCIPAL = 'sender';
/**
 * `SOC_API_ROLES` when unset: the `api` principal (the single local operator of the embedded default, or whoever
 * holds `SOC_API_TOKEN`) has every role. Any other principal has none until it is granted one.
 */
export const DEFAULT_API_ROLES = `${DEFAULT_API_PRINCIPAL}:${ROLES.join('+')}`;

/** Where the embedded default keeps the analyst token it generated when none was configured. */
export function generatedTokenPath(dataDir: string): string {
  return join(dataDir, 'api-token');
}

/** Where the embedded default keeps the sender token it generated when no sender was configured. */
export function generatedSenderTokenPath(dataDir: string): string {
  return join(dataDir, 'sender-token');
}

/** Reads the token in `path`, first creating it (32 random bytes, hex, mode 0600) when it does not exist. */
function readOrCreateToken(dataDir: string, path: string): string {
  if (!existsSync(path)) {
    mkdirSync(dataDir, { recursive: true });
    try {
      writeFileSync(path, `${randomBytes(32).toString('hex')}\n`, { mode: 0o600, flag: 'wx' });
    } catch (error) {
      // Another process of the same installation created it first: use theirs.
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  return readFileSync(path, 'utf8').trim();
}

const isEmbedded = (env: PlatformEnv): boolean => env.SOC_BUS !== 'servicebus' && env.SOC_STATE !== 'cosmos';

/**
 * The API tokens: `SOC_API_TOKENS` (named) and `SOC_API_TOKEN` (named `api`). With neither, the embedded default
 * generates one into `$SOC_DATA_DIR/api-token` (mode 0600) and reuses it, so a first `npm start` is usable and
 * secure; the token itself is never logged.
 */
export function resolveApiTokens(env: PlatformEnv): { tokens: NamedToken[]; generatedAt?: string } {
  const tokens: NamedToken[] = [];
  if (env.SOC_API_TOKENS) {
    for (const pair of env.SOC_API_TOKENS.split(',')) {
      const i = pair.indexOf(':');
      const name = pair.slice(0, i).trim();
      const token = pair.slice(i + 1).trim();
      if (i <= 0 || token.length < 16) {
        throw new AppError(ErrorCode.CONFIGURATION_INVALID, `SOC_API_TOKENS: every entry must be name:token with a token of 16+ characters (entry ${tokens.length + 1} is not)`, { retryable: false });
      }
      tokens.push({ name, token });
    }
  }
  if (env.SOC_API_TOKEN) tokens.push({ name: DEFAULT_API_PRINCIPAL, token: env.SOC_API_TOKEN });
  if (tokens.length > 0) return { tokens };
  const path = generatedTokenPath(env.SOC_DATA_DIR);
  return { tokens: [{ name: DEFAULT_API_PRINCIPAL, token: readOrCreateToken(env.SOC_DATA_DIR, path) }], generatedAt: path };
}

/**
 * The token of the single sender that posts alerts when no `INGEST_AUTH_FILE` names senders: `SOC_SENDER_TOKEN`,
 * else, on the embedded default, one generated into `$SOC_DATA_DIR/sender-token` (mode 0600) and reused. On Azure
 * backends without `SOC_SENDER_TOKEN` there is none (senders are configured in `INGEST_AUTH_FILE`). Its principal is
 * `sender`; it is never an API token, so it can only send.
 */
export function resolveSenderToken(env: PlatformEnv): { token: NamedToken; generatedAt?: string } | undefined {
  if (env.SOC_SENDER_TOKEN) return { token: { name: DEFAULT_SENDER_PRINCIPAL, token: env.SOC_SENDER_TOKEN } };
  if (!isEmbedded(env)) return undefined;
  const path = generatedSenderTokenPath(env.SOC_DATA_DIR);
  return { token: { name: DEFAULT_SENDER_PRINCIPAL, token: readOrCreateToken(env.SOC_DATA_DIR, path) }, generatedAt: path };
}

function invalidRoles(message: string): AppError {
  return new AppError(ErrorCode.CONFIGURATION_INVALID, `SOC_API_ROLES: ${message}`, { retryable: false });
}

/**
 * The roles of each API principal from `SOC_API_ROLES` (`name:role+role,name2:role`, default {@link DEFAULT_API_ROLES}),
 * each completed by {@link effectiveRoles} (any role brings `viewer`). A principal it does not name has no role.
 * Unknown roles, a name given twice and (when set explicitly) a name no API token has stop the start-up: each is a
 * typo that would otherwise grant or withhold a role silently.
 */
export function resolveApiRoles(env: PlatformEnv, tokens: readonly NamedToken[]): Map<string, readonly Role[]> {
  const explicit = env.SOC_API_ROLES !== undefined;
  const roles = new Map<string, readonly Role[]>();
  const names = new Set(tokens.map((t) => t.name));
  for (const [index, entry] of (env.SOC_API_ROLES ?? DEFAULT_API_ROLES).split(',').entries()) {
    if (entry.trim() === '') continue;
    const i = entry.indexOf(':');
    const name = entry.slice(0, i).trim();
    const granted = entry.slice(i + 1).split('+').map((r) => r.trim());
    if (i <= 0 || granted.some((r) => r === '')) throw invalidRoles(`entry ${index + 1} is not name:role+role`);
    const unknown = granted.filter((r) => !isRole(r));
    if (unknown.length > 0) throw invalidRoles(`principal "${name}": unknown role ${unknown.map((r) => `"${r.slice(0, 32)}"`).join(', ')} (roles: ${ROLES.join(', ')})`);
    if (roles.has(name)) throw invalidRoles(`principal "${name}" is named twice (give all its roles in one entry: ${name}:viewer+analyst)`);
    if (!names.has(name)) {
      if (explicit) throw invalidRoles(`principal "${name}" has no API token (SOC_API_TOKENS or SOC_API_TOKEN)`);
      continue;
    }
    roles.set(name, effectiveRoles(granted as Role[]));
  }
  return roles;
}

function invalidTenants(message: string, label = 'SOC_API_TENANTS'): AppError {
  return new AppError(ErrorCode.CONFIGURATION_INVALID, `${label}: ${message}`, { retryable: false });
}

/** Parses one grant, `tenant|tenant` or `*`; undefined with the offending ids in `bad` when one is not a tenant id. */
export function parseTenantGrant(value: string): { grant?: TenantGrant; bad: string[] } {
  if (value.trim() === '*') return { grant: '*', bad: [] };
  const tenants = value.split('|').map((t) => t.trim());
  const bad = tenants.filter((t) => !isTenantId(t));
  return bad.length > 0 ? { bad } : { grant: [...new Set(tenants)].sort(), bad };
}

/**
 * Parses `name:tenant|tenant,name2:*` (the syntax of `SOC_API_TENANTS`, named `label` in errors). A malformed entry or
 * tenant id and a name given twice stop the start-up; so does a name not in `known`, when given.
 */
export function parseTenantGrants(text: string | undefined, label: string, known?: ReadonlySet<string>): Map<string, TenantGrant> {
  const grants = new Map<string, TenantGrant>();
  for (const [index, entry] of (text ?? '').split(',').entries()) {
    if (entry.trim() === '') continue;
    const i = entry.indexOf(':');
    const name = entry.slice(0, i).trim();
    const value = entry.slice(i + 1).trim();
    if (i <= 0 || value === '') throw invalidTenants(`entry ${index + 1} is not name:tenant|tenant or name:*`, label);
    if (grants.has(name)) throw invalidTenants(`principal "${name}" is named twice (give all its tenants in one entry: ${name}:contoso|fabrikam)`, label);
    if (known !== undefined && !known.has(name)) throw invalidTenants(`principal "${name}" has no API token (SOC_API_TOKENS or SOC_API_TOKEN)`, label);
    const { grant, bad } = parseTenantGrant(value);
    if (grant === undefined) throw invalidTenants(`principal "${name}": ${bad.map((t) => `"${t.slice(0, 64)}"`).join(', ')} is not a tenant id (1-64 letters, digits, . _ or -)`, label);
    grants.set(name, grant);
  }
  return grants;
}

/**
 * The tenants of each API principal from `SOC_API_TENANTS` (`name:tenant|tenant,name2:*`): every principal with a
 * token gets an entry, `[SOC_TENANT_ID]` when the variable does not name it, so the single-tenant default needs no
 * configuration. A malformed entry or tenant id, a name given twice and a name no API token has stop the start-up:
 * each is a typo that would otherwise show a principal another customer's cases, or hide its own.
 */
export function resolveApiTenants(env: PlatformEnv, tokens: readonly NamedToken[]): Map<string, TenantGrant> {
  const names = new Set(tokens.map((t) => t.name));
  const grants = parseTenantGrants(env.SOC_API_TENANTS, 'SOC_API_TENANTS', names);
  for (const name of names) if (!grants.has(name)) grants.set(name, [env.SOC_TENANT_ID]);
  return grants;
}

/** One API principal as {@link describePrincipals} shows it. */
export interface PrincipalDescription {
  readonly name: string;
  /** Its effective roles, in role order; empty: it can authenticate but may do nothing. */
  readonly roles: readonly Role[];
  /** How many tokens it has (two while one rotates). */
  readonly tokens: number;
  /** The tenants it may see (`*`: all); absent when the description was made without them. */
  readonly tenants?: TenantGrant;
}

/**
 * The API principals and their roles, without any token: sorted by name, plain JSON, so equal configurations
 * describe alike and a change of roles can be audited (and diffed) at start-up.
 */
export function describePrincipals(platform: { readonly apiTokens: readonly NamedToken[]; readonly apiRoles: ReadonlyMap<string, readonly Role[]>; readonly apiTenants?: ReadonlyMap<string, TenantGrant> }): PrincipalDescription[] {
  const counts = new Map<string, number>();
  for (const t of platform.apiTokens) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
  return [...counts.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, tokens]) => {
      const tenants = platform.apiTenants?.get(name);
      return { name, roles: [...(platform.apiRoles.get(name) ?? [])], tokens, ...(tenants !== undefined ? { tenants: tenants === '*' ? '*' : [...tenants] } : {}) };
    });
}
