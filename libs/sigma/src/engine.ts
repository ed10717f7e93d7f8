import { compileDetection } from './compile.ts';
import { viewOf } from './event.ts';
import { NotCompilable, type Matcher } from './matcher.ts';
import { authorOf, type SigmaLogsource, type SigmaRule } from './rule.ts';

/** A rule that matched an event, with the attribution DRL 1.1 requires (id, title, author) kept on every hit. */
export interface SigmaHit {
  readonly id: string;
  readonly title: string;
  readonly author: string;
  readonly level: string;
  readonly status: string;
  readonly techniques: readonly string[];
  readonly tags: readonly string[];
}

/** A rule the engine could not compile, with the exact reason. */
export interface RuleNotCompiled {
  readonly id: string;
  readonly title: string;
  readonly reason: string;
}

/** A rule compiled once into a matcher, with the metadata a hit reports. */
export interface CompiledRule {
  readonly hit: SigmaHit;
  readonly logsource: SigmaLogsource;
  readonly matches: Matcher;
}

/** How many compiled rules a set of logsources reaches, and how many it leaves not applicable. */
export interface Applicability {
  readonly applicable: number;
  readonly notApplicable: number;
}

/** Sigma rules compiled once, matched against many events. */
export interface SigmaEngine {
  readonly compiled: readonly CompiledRule[];
  readonly notCompiled: readonly RuleNotCompiled[];
  /**
   * The rules that match an event of the given logsources (an event may belong to several, e.g. a Sysmon 13
   * is `registry_set` and `registry_event`). Rules of any other logsource are not applicable and not evaluated.
   */
  match(event: Readonly<Record<string, unknown>>, logsources: readonly SigmaLogsource[]): SigmaHit[];
  /** The compiled rules that apply to events of these logsources. */
  rulesFor(logsources: readonly SigmaLogsource[]): readonly CompiledRule[];
  /** Compiled rules reachable from the logsources a caller can map; the rest are not applicable, not failures. */
  applicability(mapped: readonly SigmaLogsource[]): Applicability;
}

/** Compiles every rule once; a rule that cannot be compiled is listed in `notCompiled` with its reason, never thrown. */
export function createSigmaEngine(rules: readonly SigmaRule[]): SigmaEngine {
  const compiled: CompiledRule[] = [];
  const notCompiled: RuleNotCompiled[] = [];
  for (const rule of rules) {
    try {
      compiled.push({ hit: hitOf(rule), logsource: normaliseLogsource(rule.logsource), matches: compileDetection(rule.detection) });
    } catch (error) {
      if (!(error instanceof NotCompilable)) throw error;
      notCompiled.push({ id: rule.id, title: rule.title, reason: error.message });
    }
  }
  const cache = new Map<string, readonly CompiledRule[]>();
  const rulesFor = (logsources: readonly SigmaLogsource[]): readonly CompiledRule[] => {
    const normalised = logsources.map(normaliseLogsource);
    const key = JSON.stringify(normalised.map((l) => [l.product, l.category, l.service]));
    let found = cache.get(key);
    if (!found) {
      found = compiled.filter((r) => normalised.some((l) => applies(r.logsource, l)));
      cache.set(key, found);
    }
    return found;
  };
  return {
    compiled,
    notCompiled,
    rulesFor,
    match(event, logsources) {
      const candidates = rulesFor(logsources);
      if (candidates.length === 0) return [];
      const view = viewOf(event);
      const hits: SigmaHit[] = [];
      for (const rule of candidates) if (rule.matches(view)) hits.push(rule.hit);
      return hits;
    },
    applicability(mapped) {
      const applicable = rulesFor(mapped).length;
      return { applicable, notApplicable: compiled.length - applicable };
    },
  };
}

/** A rule applies when each logsource member it names equals the event's; a rule naming none applies to nothing. */
function applies(rule: SigmaLogsource, event: SigmaLogsource): boolean {
  if (rule.product === undefined && rule.category === undefined && rule.service === undefined) return false;
  return (rule.product === undefined || rule.product === event.product) && (rule.category === undefined || rule.category === event.category) && (rule.service === undefined || rule.service === event.service);
}

function normaliseLogsource(l: SigmaLogsource): SigmaLogsource {
  return { product: l.product?.toLowerCase(), category: l.category?.toLowerCase(), service: l.service?.toLowerCase() };
}

function hitOf(rule: SigmaRule): SigmaHit {
  return {
    id: rule.id,
    title: rule.title,
    author: authorOf(rule),
    level: rule.level ?? 'unknown',
    status: rule.status ?? 'unknown',
    techniques: rule.attack_techniques ?? [],
    tags: rule.tags ?? [],
  };
}
