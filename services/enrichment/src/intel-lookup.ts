import type { Enrichment, Entity, Fact } from '@soc/contracts';
import { canonicalIndicator, indicatorsFromEntities, intelFact } from './threat-intel/index.ts';
import type { ThreatIntel } from './threat-intel/index.ts';

/** A threat-intel source as enrichment uses it: a name for `missing`, and how many indicators one alert may send. */
export interface IntelSource {
  name: string;
  intel: ThreatIntel;
  /** Paid APIs get a bound per alert (a storm of indicator-heavy alerts must not burn the quota). */
  maxIndicatorsPerAlert?: number | undefined;
}

/**
 * Looks the alert's indicators up in every source at once. A source that fails is listed under `missing` with
 * its reason and the alert is enriched without it: an outage degrades the case, never blocks it.
 */
export async function lookUpIntel(entities: readonly Entity[], sources: readonly IntelSource[]): Promise<Pick<Enrichment, 'facts' | 'missing'>> {
  const wanted = indicatorsFromEntities(entities);
  if (wanted.length === 0 || sources.length === 0) return { facts: [], missing: [] };
  // Findings come back canonical; map them to the entity that named the indicator.
  const entityOf = new Map<string, string>();
  for (const { entityId, indicator } of wanted) {
    const key = canonicalIndicator(indicator)?.key;
    if (key !== undefined && !entityOf.has(key)) entityOf.set(key, entityId);
  }
  const results = await Promise.all(
    sources.map(async (source) => {
      const indicators = wanted.slice(0, source.maxIndicatorsPerAlert ?? wanted.length).map((w) => w.indicator);
      try {
        const findings = await source.intel.lookup(indicators);
        const facts: Fact[] = findings.filter((f) => f.verdict !== 'unknown').map((f) => intelFact(f, entityOf.get(f.indicator.key)));
        return { facts, missing: [] };
      } catch (error) {
        const reason = error instanceof Error ? error.message.slice(0, 300) : 'lookup failed';
        return { facts: [], missing: [{ source: source.name, reason }] };
      }
    }),
  );
  return { facts: results.flatMap((r) => r.facts), missing: results.flatMap((r) => r.missing) };
}
