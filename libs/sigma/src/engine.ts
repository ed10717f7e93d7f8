import { compileDetection } from './compile.ts';
import { viewOf, type EventView } from './event.ts';
import { GRAM, needOf, NotCompilable, type Matcher, type Need, type NeedKey } from './matcher.ts';
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
  /** Literals one of which any matching event holds (the prefilter), when known. */
  readonly need: Need;
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
      const matches = compileDetection(rule.detection);
      compiled.push({
        hit: hitOf(rule),
        logsource: normaliseLogsource(rule.logsource),
        matches,
        need: needOf(matches),
      });
    } catch (error) {
      if (!(error instanceof NotCompilable)) throw error;
      notCompiled.push({ id: rule.id, title: rule.title, reason: error.message });
    }
  }
  const cache = new Map<string, RuleSet>();
  const setFor = (logsources: readonly SigmaLogsource[]): RuleSet => {
    const normalised = logsources.map(normaliseLogsource);
    const key = JSON.stringify(normalised.map((l) => [l.product, l.category, l.service]));
    let found = cache.get(key);
    if (!found) {
      found = indexRules(compiled.filter((r) => normalised.some((l) => applies(r.logsource, l))));
      cache.set(key, found);
    }
    return found;
  };
  const rulesFor = (logsources: readonly SigmaLogsource[]): readonly CompiledRule[] => setFor(logsources).rules;
  return {
    compiled,
    notCompiled,
    rulesFor,
    match(event, logsources) {
      const set = setFor(logsources);
      if (set.rules.length === 0) return [];
      const view = viewOf(event);
      const hits: SigmaHit[] = [];
      for (const i of candidatesOf(set, view)) {
        const rule = set.rules[i] as CompiledRule;
        if (rule.matches(view)) hits.push(rule.hit);
      }
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
  return (
    (rule.product === undefined || rule.product === event.product) &&
    (rule.category === undefined || rule.category === event.category) &&
    (rule.service === undefined || rule.service === event.service)
  );
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

/** The rules of one set of logsources, indexed by the literals they need. */
interface RuleSet {
  readonly rules: readonly CompiledRule[];
  /** Rules without a known need: always evaluated. */
  readonly always: readonly number[];
  /** field → literal → rules needing the field to equal it. */
  readonly eq: Map<string, Map<string, number[]>>;
  /** field → suffix length → suffix → rules (one slice and one lookup per distinct length). */
  readonly ends: Map<string, Map<number, Map<string, number[]>>>;
  readonly starts: Map<string, Map<number, Map<string, number[]>>>;
  /** field → 4-character substring → rules needing a literal that contains it (the literal's rarest such substring). */
  readonly grams: Map<string, Map<string, number[]>>;
}

function indexRules(rules: readonly CompiledRule[]): RuleSet {
  const set: RuleSet = { rules, always: [], eq: new Map(), ends: new Map(), starts: new Map(), grams: new Map() };
  const always = set.always as number[];
  // How many contains literals share each substring, so each literal is indexed by its most selective one.
  const gramCount = new Map<string, number>();
  for (const rule of rules)
    for (const key of rule.need ?? [])
      if (key.kind === 'contains') for (const g of gramsOf(key)) gramCount.set(g, (gramCount.get(g) ?? 0) + 1);
  rules.forEach((rule, i) => {
    if (rule.need === undefined) {
      always.push(i);
      return;
    }
    for (const key of rule.need) {
      if (key.kind === 'eq')
        push(
          getOrSet(set.eq, key.field, () => new Map()),
          key.lit,
          i,
        );
      else if (key.kind === 'contains') {
        const rarest = gramsOf(key).reduce((a, b) => ((gramCount.get(b) ?? 0) < (gramCount.get(a) ?? 0) ? b : a));
        push(
          getOrSet(set.grams, key.field, () => new Map()),
          rarest,
          i,
        );
      } else {
        const byLength = getOrSet(
          key.kind === 'ends' ? set.ends : set.starts,
          key.field,
          () => new Map<number, Map<string, number[]>>(),
        );
        push(
          getOrSet(byLength, key.lit.length, () => new Map()),
          key.lit,
          i,
        );
      }
    }
  });
  return set;
}

/** Indexes of the rules worth evaluating for this event, in corpus order, each once. */
function candidatesOf(set: RuleSet, view: EventView): number[] {
  const picked = new Set<number>(set.always);
  const add = (ids: readonly number[] | undefined): void => {
    if (ids) for (const id of ids) picked.add(id);
  };
  for (const [field, byLit] of set.eq) for (const fv of view.get(field) ?? []) add(byLit.get(fv.lower));
  for (const [field, byLength] of set.ends) {
    for (const fv of view.get(field) ?? []) {
      for (const [length, byLit] of byLength)
        if (length <= fv.lower.length) add(byLit.get(fv.lower.slice(fv.lower.length - length)));
    }
  }
  for (const [field, byLength] of set.starts) {
    for (const fv of view.get(field) ?? []) {
      for (const [length, byLit] of byLength) if (length <= fv.lower.length) add(byLit.get(fv.lower.slice(0, length)));
    }
  }
  for (const [field, byGram] of set.grams) {
    for (const fv of view.get(field) ?? []) {
      const s = fv.lower;
      for (let at = 0; at + GRAM <= s.length; at++) add(byGram.get(s.slice(at, at + GRAM)));
    }
  }
  return [...picked].sort((a, b) => a - b);
}

function gramsOf(key: NeedKey): string[] {
  const grams: string[] = [];
  for (let at = 0; at + GRAM <= key.lit.length; at++) grams.push(key.lit.slice(at, at + GRAM));
  return grams;
}

function getOrSet<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

function push<K>(map: Map<K, number[]>, key: K, id: number): void {
  const list = map.get(key);
  if (list) list.push(id);
  else map.set(key, [id]);
}
