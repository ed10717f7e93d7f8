import type { Clock } from '@soc/runtime';
import type { EnrichmentConfig } from './config.ts';
import {
  CachingLookup,
  FileAllowlist,
  FileAssetDirectory,
  FileUserDirectory,
  GraphUserDirectory,
  ServiceNowAssetDirectory,
  markAssetHit,
  markUserHit,
  withLookupBreaker,
  type Allowlist,
  type AssetDirectory,
  type ContextSources,
  type TokenProvider,
  type UserDirectory,
} from './context/index.ts';

/** What building the sources needs besides the config; `graphTokens` replaces DefaultAzureCredential (tests). */
export interface ContextSourcesDeps {
  clock: Clock;
  log: { info(obj: object, msg: string): void };
  graphTokens?: TokenProvider;
  fetch?: typeof globalThis.fetch;
}

/** Graph tokens from DefaultAzureCredential (managed identity, workload identity, CLI), for the configured cloud. */
async function defaultGraphTokens(baseUrl: string): Promise<TokenProvider> {
  const { DefaultAzureCredential } = await import('@azure/identity');
  const credential = new DefaultAzureCredential();
  const scope = `${new URL(baseUrl).origin}/.default`;
  return {
    async getToken() {
      const token = await credential.getToken(scope);
      if (!token) throw new Error('DefaultAzureCredential returned no token for Microsoft Graph');
      return token.token;
    },
  };
}

/**
 * The asset, user and allowlist sources the configuration asks for: files loaded now (a report per file is
 * logged, never their content), ServiceNow and Graph each behind a circuit breaker with a TTL and negative cache
 * outside it. `close` stops the breakers' timers.
 */
export async function openContextSources(
  config: EnrichmentConfig,
  deps: ContextSourcesDeps,
): Promise<{ sources: ContextSources; close: () => void; allowlistFiles: readonly { file: string; sha256: string }[] }> {
  const { clock, log } = deps;
  const assets: AssetDirectory[] = [];
  const users: UserDirectory[] = [];
  const allowlists: Allowlist[] = [];
  let allowlistFiles: readonly { file: string; sha256: string }[] = [];
  const closers: (() => void)[] = [];
  const cache = {
    clock,
    ttlMs: config.CONTEXT_CACHE_TTL_MINUTES * 60_000,
    negativeTtlMs: config.CONTEXT_NEGATIVE_TTL_MINUTES * 60_000,
  };
  const fetchOpt = deps.fetch ? { fetch: deps.fetch } : {};

  if (config.ASSET_INVENTORY_FILES.length > 0) {
    const files = await FileAssetDirectory.load(config.ASSET_INVENTORY_FILES, clock);
    log.info({ inventories: files.report }, 'asset inventories loaded');
    assets.push(files);
  }
  if (config.SERVICENOW_INSTANCE_URL !== undefined) {
    const auth =
      config.SERVICENOW_TOKEN !== undefined
        ? { kind: 'bearer' as const, token: config.SERVICENOW_TOKEN }
        : { kind: 'basic' as const, user: config.SERVICENOW_USER ?? '', password: config.SERVICENOW_PASSWORD ?? '' };
    const guarded = withLookupBreaker(
      new ServiceNowAssetDirectory({ instanceUrl: config.SERVICENOW_INSTANCE_URL, auth, clock, ...fetchOpt }),
      { name: 'servicenow', timeoutMs: 12_000, capacity: 16 },
    );
    closers.push(() => guarded.breaker.shutdown());
    assets.push(new CachingLookup(guarded, markAssetHit, cache));
  }
  if (config.USER_DIRECTORY_FILES.length > 0) {
    const files = await FileUserDirectory.load(config.USER_DIRECTORY_FILES, clock);
    log.info({ directories: files.report }, 'user directories loaded');
    users.push(files);
  }
  if (config.GRAPH_ENABLED) {
    const tokens = deps.graphTokens ?? (await defaultGraphTokens(config.GRAPH_BASE_URL));
    const graph = new GraphUserDirectory({
      tokens,
      clock,
      baseUrl: config.GRAPH_BASE_URL,
      ...(config.GRAPH_PRIVILEGED_GROUPS.length > 0 ? { privilegedGroups: config.GRAPH_PRIVILEGED_GROUPS } : {}),
      ...fetchOpt,
    });
    // Up to three requests per user (user, memberOf, riskyUsers): a longer timeout than one call.
    const guarded = withLookupBreaker(graph, { name: 'graph', timeoutMs: 20_000, capacity: 16 });
    closers.push(() => guarded.breaker.shutdown());
    users.push(new CachingLookup(guarded, markUserHit, cache));
  }
  if (config.ALLOWLIST_FILES.length > 0) {
    const list = await FileAllowlist.load(config.ALLOWLIST_FILES, clock);
    log.info({ allowlists: list.report }, 'allowlists loaded; expired entries are ignored');
    allowlists.push(list);
    allowlistFiles = list.fingerprint;
  }
  return {
    allowlistFiles,
    sources: { assets, users, allowlists, maxEntitiesPerAlert: config.CONTEXT_MAX_ENTITIES },
    close: () => {
      for (const close of closers) close();
    },
  };
}
