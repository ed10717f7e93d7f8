import type { Alert, Enrichment, Fact } from '@soc/contracts';
import { allowlistFact, assetFact, userFact } from './facts.ts';
import { assetKeysOf, userKeysOf, type EntityKeys } from './keys.ts';
import type { Allowlist, AssetDirectory, UserDirectory } from './ports.ts';

/** The asset, user and allowlist sources enrichment asks; any may be empty. */
export interface ContextSources {
  assets?: readonly AssetDirectory[] | undefined;
  users?: readonly UserDirectory[] | undefined;
  allowlists?: readonly Allowlist[] | undefined;
  /**
   * Host/IP entities and user entities of one alert looked up at most (each); an alert naming hundreds of machines
   * must not turn into hundreds of CMDB or Graph requests. Default 25. Allowlists see every entity.
   */
  maxEntitiesPerAlert?: number | undefined;
}

type Outcome = Pick<Enrichment, 'facts' | 'missing'>;

/** The error's message and, when a breaker wrapped a real failure, that failure's (secret-free) message too. */
function reasonOf(error: unknown): string {
  if (!(error instanceof Error)) return 'lookup failed';
  const cause = error.cause;
  const inner =
    cause instanceof Error && (cause as { code?: unknown }).code !== 'EOPENBREAKER' && cause.message !== error.message
      ? `: ${cause.message}`
      : '';
  return `${error.message}${inner}`.slice(0, 300);
}

/** Per entity, the matches of its first key that found any (most specific wins; no duplicates from weaker keys). */
function perEntity<K extends { key: string }, M extends { key: string }>(
  wanted: readonly EntityKeys<K>[],
  matches: readonly M[],
): { entityId: string; match: M }[] {
  const byKey = new Map<string, M[]>();
  for (const m of matches) {
    const list = byKey.get(m.key);
    if (list) list.push(m);
    else byKey.set(m.key, [m]);
  }
  return wanted.flatMap(({ entityId, keys }) => {
    for (const k of keys) {
      const found = byKey.get(k.key);
      if (found && found.length > 0) return found.map((match) => ({ entityId, match }));
    }
    return [];
  });
}

async function guarded(name: string, run: () => Promise<Fact[]>): Promise<Outcome> {
  try {
    return { facts: await run(), missing: [] };
  } catch (error) {
    return { facts: [], missing: [{ source: name, reason: reasonOf(error) }] };
  }
}

/**
 * Asks every asset directory, user directory and allowlist about the alert's entities at once. A source that fails
 * (outage, open breaker, refused credentials) is listed under `missing` with its reason and the alert is enriched
 * without it. Facts with the same id (the same record reached twice) are kept once.
 */
export async function lookUpContext(alert: Alert, sources: ContextSources): Promise<Outcome> {
  const max = Math.max(1, sources.maxEntitiesPerAlert ?? 25);
  const assetKeys = assetKeysOf(alert.entities).slice(0, max);
  const userKeys = userKeysOf(alert.entities).slice(0, max);
  const tasks: Promise<Outcome>[] = [];
  if (assetKeys.length > 0)
    for (const dir of sources.assets ?? [])
      tasks.push(
        guarded(dir.name, async () =>
          perEntity(assetKeys, await dir.lookup(assetKeys.flatMap((e) => e.keys))).map(({ entityId, match }) =>
            assetFact(entityId, match.asset),
          ),
        ),
      );
  if (userKeys.length > 0)
    for (const dir of sources.users ?? [])
      tasks.push(
        guarded(dir.name, async () =>
          perEntity(userKeys, await dir.lookup(userKeys.flatMap((e) => e.keys))).map(({ entityId, match }) =>
            userFact(entityId, match.user),
          ),
        ),
      );
  for (const list of sources.allowlists ?? [])
    tasks.push(guarded(list.name, async () => (await list.match(alert.entities, alert)).map(allowlistFact)));
  const results = await Promise.all(tasks);
  const seen = new Set<string>();
  const facts = results.flatMap((r) => r.facts).filter((f) => (seen.has(f.id) ? false : (seen.add(f.id), true)));
  return { facts, missing: results.flatMap((r) => r.missing) };
}
