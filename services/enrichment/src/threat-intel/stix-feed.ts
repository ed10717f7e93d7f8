import { z } from 'zod';
import { canonicalIndicator } from './canonical.ts';
import {
  DEFAULT_FEED_CONFIDENCE,
  skip,
  uniq,
  type FeedEntry,
  type FeedParseOptions,
  type ParsedFeed,
} from './feed-entry.ts';
import type { CanonicalIndicator, IndicatorType, IntelVerdict } from './port.ts';

const StixIndicator = z.object({
  type: z.literal('indicator'),
  id: z.string().max(256),
  pattern: z.string().max(16_384),
  pattern_type: z.string().optional(),
  name: z.string().max(1024).optional(),
  indicator_types: z.array(z.string()).optional(),
  labels: z.array(z.string()).optional(),
  confidence: z.number().int().min(0).max(100).optional(),
  valid_from: z.iso.datetime({ offset: true }).optional(),
  valid_until: z.iso.datetime({ offset: true }).optional(),
  revoked: z.boolean().optional(),
});

const StixNamed = z.object({
  type: z.enum(['malware', 'threat-actor', 'intrusion-set', 'campaign', 'tool', 'attack-pattern']),
  id: z.string(),
  name: z.string().max(1024),
});

const StixRelationship = z.object({
  type: z.literal('relationship'),
  relationship_type: z.string(),
  source_ref: z.string(),
  target_ref: z.string(),
});

/** A STIX 2.1 bundle: `{ type: 'bundle', objects: [...] }`. */
export const isStixBundle = (doc: unknown): doc is { type: 'bundle'; objects: unknown[] } =>
  typeof doc === 'object' &&
  doc !== null &&
  (doc as { type?: unknown }).type === 'bundle' &&
  Array.isArray((doc as { objects?: unknown }).objects);

/** Object paths this module matches, to indicator types. */
function typeOfPath(path: string): IndicatorType | undefined {
  const p = path.toLowerCase();
  if (p === 'ipv4-addr:value' || p === 'ipv6-addr:value') return 'ip';
  if (p === 'domain-name:value') return 'domain';
  if (p === 'url:value') return 'url';
  if (
    /^file:hashes\.(?:'(?:md5|sha-1|sha-256|sha-512)'|md5|sha1|sha256|sha512|"(?:md5|sha-1|sha-256|sha-512)")$/.test(p)
  )
    return 'hash';
  return undefined;
}

/** What a STIX pattern says, read in one pass. */
export interface StixPatternObservables {
  /** Equality comparisons on supported object paths. */
  observables: CanonicalIndicator[];
  /**
   * False when the pattern is more than a disjunction of equalities (AND, FOLLOWEDBY, qualifiers, other
   * operators): a single matching observable then does not satisfy the whole pattern.
   */
  exact: boolean;
  /** Comparisons on paths or with values this module cannot match. */
  unsupported: number;
}

// `<object-path> <op> '<string>'`; the quoted string allows `\'` and `\\` escapes. Every repetition is bounded,
// so the work per start position is bounded and a scan is linear in the pattern length.
const COMPARISON =
  /([a-z0-9-]{1,64}:[a-z0-9_.'"-]{1,128})(?:\s{0,16}(=|!=|<=|>=|<|>)|\s{1,16}((?:NOT\s{1,16})?[a-z]{1,16}))\s{0,16}'((?:[^'\\]|\\.){0,4096})'/gi;

/** Extracts the observables of a STIX 2.1 pattern (`[ipv4-addr:value = '1.2.3.4' OR …]`). */
export function readStixPattern(pattern: string): StixPatternObservables {
  const observables: CanonicalIndicator[] = [];
  let unsupported = 0;
  let rest = '';
  let last = 0;
  COMPARISON.lastIndex = 0;
  for (let m = COMPARISON.exec(pattern); m !== null; m = COMPARISON.exec(pattern)) {
    rest += pattern.slice(last, m.index);
    last = m.index + m[0].length;
    const type = typeOfPath(m[1] ?? '');
    const value = (m[4] ?? '').replace(/\\(.)/g, '$1');
    const c = type && m[2] === '=' ? canonicalIndicator({ type, value }) : undefined;
    if (c) observables.push(c);
    else unsupported++;
  }
  rest += pattern.slice(last);
  // What is left between comparisons must be brackets, whitespace and OR for the pattern to be a plain list.
  const exact = unsupported === 0 && /^[\s[\]()]*(?:OR[\s[\]()]*)*$/i.test(rest);
  return { observables, exact, unsupported };
}

const VERDICT_OF_TYPE: Readonly<Record<string, IntelVerdict>> = {
  'malicious-activity': 'malicious',
  attribution: 'malicious',
  compromised: 'malicious',
  'anomalous-activity': 'suspicious',
  benign: 'harmless',
  unknown: 'unknown',
};

function verdictOf(types: readonly string[] | undefined): IntelVerdict {
  // The most severe stated type wins; an indicator with no stated type is taken as malicious activity.
  const verdicts = (types ?? []).map((t) => VERDICT_OF_TYPE[t]).filter((v): v is IntelVerdict => v !== undefined);
  for (const v of ['malicious', 'suspicious', 'harmless', 'unknown'] as const) if (verdicts.includes(v)) return v;
  return 'malicious';
}

/**
 * Parses the `indicator` objects of a STIX 2.1 bundle. Threat names come from `indicates` relationships to
 * malware, threat actors, intrusion sets, campaigns and tools in the same bundle. A pattern that is more
 * than a list of alternatives (AND, FOLLOWEDBY, qualifiers) is indexed by each observable but downgraded to
 * `suspicious`, since one observable alone does not satisfy it. Revoked indicators and non-STIX patterns
 * are skipped.
 */
export function parseStixBundle(bundle: { objects: readonly unknown[] }, opts: FeedParseOptions): ParsedFeed {
  const names = new Map<string, string>();
  const indicates = new Map<string, string[]>();
  for (const o of bundle.objects) {
    const named = StixNamed.safeParse(o);
    if (named.success) names.set(named.data.id, named.data.name);
    const rel = StixRelationship.safeParse(o);
    if (rel.success && rel.data.relationship_type === 'indicates') {
      indicates.set(rel.data.source_ref, [...(indicates.get(rel.data.source_ref) ?? []), rel.data.target_ref]);
    }
  }
  const entries: FeedEntry[] = [];
  const skipped: Record<string, number> = {};
  for (const o of bundle.objects) {
    if ((o as { type?: unknown }).type !== 'indicator') continue;
    const parsed = StixIndicator.safeParse(o);
    if (!parsed.success) {
      skip(skipped, 'invalid indicator object');
      continue;
    }
    const ind = parsed.data;
    if (ind.revoked) {
      skip(skipped, 'revoked');
      continue;
    }
    if (ind.pattern_type !== undefined && ind.pattern_type !== 'stix') {
      skip(skipped, `pattern type ${ind.pattern_type}`);
      continue;
    }
    const { observables, exact } = readStixPattern(ind.pattern);
    if (observables.length === 0) {
      skip(skipped, 'no supported observable in pattern');
      continue;
    }
    const stated = verdictOf(ind.indicator_types);
    const verdict: IntelVerdict = !exact && stated === 'malicious' ? 'suspicious' : stated;
    const threatNames = uniq([
      ...(indicates.get(ind.id) ?? []).map((ref) => names.get(ref) ?? '').filter(Boolean),
      ...(opts.threatNames ?? []),
    ]);
    for (const indicator of observables) {
      entries.push({
        indicator,
        verdict,
        confidence: ind.confidence ?? opts.confidence ?? DEFAULT_FEED_CONFIDENCE,
        threatNames,
        tags: uniq([...(ind.labels ?? []), ...(ind.indicator_types ?? [])]),
        ...(ind.valid_from ? { firstSeen: new Date(ind.valid_from).toISOString() } : {}),
        ...(ind.valid_until ? { validUntil: new Date(ind.valid_until).toISOString() } : {}),
        reference: ind.id,
        attributes: { ...(ind.name ? { name: ind.name } : {}), exactPattern: exact },
      });
    }
  }
  return { kind: 'feed', format: 'stix', entries, skipped };
}
