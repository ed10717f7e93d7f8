import type { EntityType } from '@soc/contracts';
import MiniSearch, { type Query, type SearchOptions, type SearchResult } from 'minisearch';
import { z } from 'zod';
import { ATTACK_TACTICS, type AttackTactic, type Playbook } from './playbook.ts';

/** What is known about an alert when looking for a playbook; every part is optional. */
export interface PlaybookQuery {
  /** ATT&CK technique ids from the source or the mapper; invalid ids are ignored. */
  techniques?: readonly string[];
  /** Tactic names in any common spelling: "Credential Access", "CredentialAccess", "credential-access". */
  tactics?: readonly string[];
  entityTypes?: readonly EntityType[];
  /** Free text, typically the alert title, rule name and description (attacker-controlled; only its start is read). */
  text?: string;
  /**
   * The alert's entity values (accounts, hosts, addresses). They say nothing about which playbook fits; a remote
   * index (Azure AI Search, its embedding model) gets the text without them. The embedded index ignores them.
   */
  entityValues?: readonly string[];
}

/** A playbook that fits the query. */
export interface PlaybookMatch {
  kind: 'playbook';
  playbookId: string;
  title: string;
  /** Relevance (BM25 with field boosts); only comparable within one answer. */
  score: number;
  /** Why it matched, as `<field>:<term>`, e.g. `technique:T1110.003`, `keyword:spray`, `tactic:credential-access`. */
  matchedOn: string[];
  /** The playbook's investigation steps, in order. */
  steps: string[];
}

/** An ATT&CK technique returned after the playbooks, so a query no playbook fits still gets the procedure. */
export interface TechniqueMatch {
  kind: 'technique';
  techniqueId: string;
  title: string;
  score: number;
  matchedOn: string[];
  /** The technique's description, as the one thing to read. */
  steps: string[];
}

export type PlaybookSearchResult = PlaybookMatch | TechniqueMatch;

/** An ATT&CK technique as extra searchable text (e.g. from ATT&CK's techniques.json). */
export const TechniqueDocument = z.object({
  id: z.string().regex(/^T\d{4}(?:\.\d{3})?$/),
  name: z.string().min(1).max(256),
  description: z.string().max(20_000),
  /** Tactic names or short names, when known. */
  tactics: z.array(z.string().max(64)).max(14).optional(),
});
export type TechniqueDocument = z.input<typeof TechniqueDocument>;

/** A searchable set of playbooks, optionally with ATT&CK techniques as fallback documents. */
export interface PlaybookIndex {
  /**
   * Ranks playbooks for an alert, best first; playbooks that fit come before any technique, and techniques fill
   * the remaining places. Equal scores are ordered by id, so the answer is deterministic.
   */
  findPlaybooks(query: PlaybookQuery, limit?: number): PlaybookSearchResult[];
  /** Adds (or replaces) ATT&CK techniques as documents. */
  addTechniques(techniques: readonly TechniqueDocument[]): void;
  /** Number of indexed playbooks and techniques. */
  readonly size: { playbooks: number; techniques: number };
}

/** Limits that keep a query linear in the (bounded) input size, whatever an alert contains. */
const MAX_TEXT_CHARS = 8192;
const MAX_TEXT_TERMS = 48;
const MAX_TERM_LENGTH = 40;
const LEADING_TERMS = 12;
const MAX_LIST_ITEMS = 64;
const DEFAULT_LIMIT = 3;

const FIELDS = ['title', 'keywords', 'attack', 'tactics', 'entityTypes', 'applies', 'text'] as const;
type Field = (typeof FIELDS)[number];
const EXACT_FIELDS: ReadonlySet<string> = new Set<Field>(['attack', 'tactics', 'entityTypes']);
const TEXT_FIELDS: Field[] = ['title', 'keywords', 'applies', 'text'];

/** Technique ids and keywords are the curated signal; section text is broad and weighs least. */
const BOOST: Record<Field, number> = {
  attack: 4,
  keywords: 3,
  title: 2,
  applies: 1.5,
  tactics: 1,
  text: 1,
  entityTypes: 0.5,
};

/** A playbook scoring below this share of the best playbook is noise next to it. */
const MIN_SHARE_OF_BEST = 0.2;

const MATCH_LABEL: Record<Field, string> = {
  attack: 'technique',
  tactics: 'tactic',
  entityTypes: 'entity',
  keywords: 'keyword',
  title: 'title',
  applies: 'applies',
  text: 'text',
};

/**
 * Words that carry no signal for choosing a playbook: English function words and the vocabulary every alert and
 * every playbook shares ("suspicious … detected").
 */
const STOP_WORDS: ReadonlySet<string> = new Set(
  (
    'a an and are as at be been but by can could did do does for from had has have if in into is it its may more ' +
    'no not of on or other such than that the their then there these they this those to was were what when where ' +
    'which while who will with within would after before about any all also been being each how one some via ' +
    'alert alerts detected detection detect activity suspicious possible potential possibly attempt attempts ' +
    'observed identified indicates indicate indicating using used use based analysis demo event events ' +
    'attack attacks attacker attackers adversary adversaries new known found see review information more ' +
    'security microsoft windows system host hosts machine machines user users file files data process processes ' +
    'running run legitimate indication compromised compromise could either may might escalate team common same'
  ).split(' '),
);

interface IndexedDocument {
  id: string;
  kind: 'playbook' | 'technique';
  ref: string;
  title: string;
  keywords: string;
  attack: string;
  tactics: string;
  entityTypes: string;
  /** "When it applies" for playbooks, the description for techniques. */
  applies: string;
  /** Triage questions and investigation steps; containment and closure text is shared vocabulary, not signal. */
  text: string;
}

interface StoredFields {
  kind: 'playbook' | 'technique';
  ref: string;
  title: string;
}

const splitWords = (text: string): string[] => text.split(/[^\p{L}\p{N}]+/u);
const splitExact = (text: string): string[] => text.split(/\s+/);

/**
 * Terms of the exact fields carry their field name ("tactics:exfiltration"), so they never collide with the same
 * word in free text: MiniSearch merges match details by term across sub-queries.
 */
const namespaced = (field: string, term: string): string | null =>
  term === '' ? null : `${field}:${term.toLowerCase()}`;
const bareTerm = (term: string): string => term.slice(term.indexOf(':') + 1);

function processWord(term: string): string | null {
  const word = term.toLowerCase();
  if (word.length < 2 || word.length > MAX_TERM_LENGTH || STOP_WORDS.has(word)) return null;
  const stem = lightStem(word);
  return STOP_WORDS.has(stem) ? null : stem;
}

/**
 * A light English suffix stripper, applied to documents and queries alike, so "spraying", "sprays" and "spray"
 * meet without prefix search (which lets one common word match dozens of longer ones).
 */
function lightStem(word: string): string {
  if (/\d/.test(word)) return word;
  if (word.length > 4 && word.endsWith('ies')) return `${word.slice(0, -3)}y`;
  if (word.length > 5 && word.endsWith('ing')) return word.slice(0, -3);
  if (word.length > 4 && word.endsWith('ed')) return word.slice(0, -2);
  if (word.length > 3 && word.endsWith('s') && !/(?:ss|us|is)$/.test(word)) return word.slice(0, -1);
  return word;
}

/** Builds the index over the given playbooks. */
export function createPlaybookIndex(playbooks: readonly Playbook[]): PlaybookIndex {
  const search = new MiniSearch<IndexedDocument>({
    fields: [...FIELDS],
    storeFields: ['kind', 'ref', 'title'],
    tokenize: (text, field) => (field !== undefined && EXACT_FIELDS.has(field) ? splitExact(text) : splitWords(text)),
    processTerm: (term, field) =>
      field !== undefined && EXACT_FIELDS.has(field) ? namespaced(field, term) : processWord(term),
  });
  const steps = new Map<string, string[]>();
  const wholeKeywords = new Map<string, ReadonlySet<string>>();
  let techniqueCount = 0;

  for (const playbook of playbooks) {
    const id = `playbook:${playbook.id}`;
    if (search.has(id)) throw new Error(`Duplicate playbook id "${playbook.id}" (${playbook.file})`);
    search.add({
      id,
      kind: 'playbook',
      ref: playbook.id,
      title: playbook.title,
      keywords: playbook.keywords.join(' '),
      attack: withParents(playbook.attack.techniques).join(' '),
      tactics: playbook.attack.tactics.join(' '),
      entityTypes: playbook.entityTypes.join(' '),
      applies: playbook.sections.whenItApplies,
      text: `${playbook.sections.triageQuestions}\n${playbook.sections.investigationSteps}`,
    });
    steps.set(id, [...playbook.steps]);
    // Compared with indexed terms, so stemmed the same way ("phishing" is indexed as "phish").
    const oneWord = playbook.keywords.filter((k) => splitWords(k).length === 1).map(processWord);
    wholeKeywords.set(id, new Set(oneWord.filter((k): k is string => k !== null)));
  }

  const addTechniques = (techniques: readonly TechniqueDocument[]): void => {
    // All or nothing: one bad entry adds none.
    const parsed = techniques.map((input) => TechniqueDocument.parse(input));
    for (const technique of parsed) {
      const description = cleanAttackText(technique.description);
      const doc: IndexedDocument = {
        id: `technique:${technique.id}`,
        kind: 'technique',
        ref: technique.id,
        title: technique.name,
        keywords: '',
        attack: withParents([technique.id]).join(' '),
        tactics: (technique.tactics ?? [])
          .map(toTactic)
          .filter((t): t is AttackTactic => t !== null)
          .join(' '),
        entityTypes: '',
        applies: description,
        text: '',
      };
      if (search.has(doc.id)) search.replace(doc);
      else {
        search.add(doc);
        techniqueCount++;
      }
      steps.set(doc.id, description === '' ? [] : [description]);
    }
  };

  const findPlaybooks = (query: PlaybookQuery, limit = DEFAULT_LIMIT): PlaybookSearchResult[] => {
    if (!Number.isInteger(limit) || limit < 1) return [];
    const built = buildQuery(query);
    if (!built) return [];
    const results = search.search(built, { combineWith: 'OR' });

    const fitting = results
      .filter((result) => fits(result, wholeKeywords.get(result.id)))
      .map((result) => toMatch(result, steps.get(result.id) ?? []));
    const order = (a: PlaybookSearchResult, b: PlaybookSearchResult): number =>
      b.score - a.score || compareIds(refOf(a), refOf(b));
    const playbookMatches = fitting.filter((m) => m.kind === 'playbook').sort(order);
    const best = playbookMatches[0]?.score ?? 0;
    const strongPlaybooks = playbookMatches.filter((m) => m.score >= best * MIN_SHARE_OF_BEST);
    const techniqueMatches = fitting.filter((m) => m.kind === 'technique').sort(order);
    return [...strongPlaybooks, ...techniqueMatches].slice(0, limit);
  };

  return {
    findPlaybooks,
    addTechniques,
    get size() {
      return { playbooks: playbooks.length, techniques: techniqueCount };
    },
  };
}

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
const refOf = (match: PlaybookSearchResult): string =>
  match.kind === 'playbook' ? match.playbookId : match.techniqueId;

function toMatch(result: SearchResult, docSteps: string[]): PlaybookSearchResult {
  const stored = result as SearchResult & StoredFields;
  const matchedOn = new Set<string>();
  for (const [term, fields] of Object.entries(result.match)) {
    for (const field of fields) {
      const label = MATCH_LABEL[field as Field];
      if (field === 'attack') matchedOn.add(`${label}:${bareTerm(term).toUpperCase()}`);
      else matchedOn.add(`${label}:${EXACT_FIELDS.has(field) ? bareTerm(term) : term}`);
    }
  }
  // Rounded so that float noise cannot reorder equal matches.
  const score = Math.round(result.score * 1000) / 1000;
  const common = { title: stored.title, score, matchedOn: [...matchedOn].sort(), steps: [...docSteps] };
  return stored.kind === 'playbook'
    ? { kind: 'playbook', playbookId: stored.ref, ...common }
    : { kind: 'technique', techniqueId: stored.ref, ...common };
}

/**
 * Whether a document is about the query rather than sharing a word with it: it matched a technique or tactic, a
 * one-word keyword (phishing, mimikatz, 4625), a technique's name, two query words in its title or keywords, or
 * three query words anywhere. An entity type alone never makes a fit: every alert has a host or a user.
 */
function fits(result: SearchResult, wholeKeywords: ReadonlySet<string> | undefined): boolean {
  const curated = new Set<string>();
  const anywhere = new Set<string>();
  for (const [term, fields] of Object.entries(result.match)) {
    if (fields.includes('attack') || fields.includes('tactics')) return true;
    if (fields.includes('keywords') && wholeKeywords?.has(term)) return true;
    if (fields.includes('title') && (result as SearchResult & StoredFields).kind === 'technique') return true;
    if (fields.some((f) => f === 'title' || f === 'keywords')) curated.add(term);
    if (fields.some((f) => f !== 'entityTypes')) anywhere.add(term);
  }
  return curated.size >= 2 || anywhere.size >= 3;
}

function buildQuery(input: PlaybookQuery): Query | null {
  const text = typeof input.text === 'string' ? input.text.slice(0, MAX_TEXT_CHARS) : '';
  const queries: Query[] = [];

  const exact = new Set<string>();
  for (const raw of [...(input.techniques ?? []).slice(0, MAX_LIST_ITEMS), ...techniqueIdsIn(text)]) {
    if (typeof raw !== 'string' || raw.length > 16) continue;
    const id = raw.trim().toUpperCase();
    if (/^T\d{4}(?:\.\d{3})?$/.test(id)) exact.add(id);
  }
  if (exact.size > 0) {
    const ids = withParents([...exact]);
    queries.push(exactQuery('attack', ids, (term) => (exact.has(bareTerm(term).toUpperCase()) ? 1 : 0.5)));
  }

  const tactics = new Set<AttackTactic>();
  for (const raw of (input.tactics ?? []).slice(0, MAX_LIST_ITEMS)) {
    const tactic = typeof raw === 'string' && raw.length <= 64 ? toTactic(raw) : null;
    if (tactic) tactics.add(tactic);
  }
  if (tactics.size > 0) queries.push(exactQuery('tactics', [...tactics]));

  const entityTypes = new Set(
    (input.entityTypes ?? []).slice(0, MAX_LIST_ITEMS).filter((t) => typeof t === 'string' && /^[a-z-]{2,32}$/.test(t)),
  );
  if (entityTypes.size > 0) queries.push(exactQuery('entityTypes', [...entityTypes]));

  // Technique ids in the text are searched exactly above, not as words.
  const words = [
    ...new Set(
      splitWords(text)
        .map(processWord)
        .filter((w): w is string => w !== null && !/^t\d{4}$/.test(w)),
    ),
  ].slice(0, MAX_TEXT_TERMS);
  if (words.length > 0) {
    const options: SearchOptions = {
      fields: TEXT_FIELDS,
      boost: BOOST,
      tokenize: splitExact,
      processTerm: (term) => term,
      prefix: false,
      // One typo, only in long words ("maliciuos"): short words have too many neighbours.
      fuzzy: (term) => (term.length >= 8 ? 1 : false),
      // The title comes first in the text; a long description should not outvote it.
      boostTerm: (_term, i) => (i < LEADING_TERMS ? 1 : 0.5),
    };
    queries.push({ ...options, queries: [words.join(' ')] });
  }

  return queries.length === 0 ? null : { combineWith: 'OR', queries };
}

function exactQuery(field: Field, terms: readonly string[], boostTerm?: (term: string) => number): Query {
  const options: SearchOptions = {
    fields: [field],
    boost: BOOST,
    tokenize: splitExact,
    processTerm: (term) => namespaced(field, term),
    prefix: false,
    fuzzy: false,
    ...(boostTerm ? { boostTerm } : {}),
  };
  return { ...options, queries: [terms.join(' ')] };
}

/** Technique ids written in free text ("… T1059.001 …"), at most a handful. */
function techniqueIdsIn(text: string): string[] {
  return (text.match(/\bT\d{4}(?:\.\d{3})?\b/g) ?? []).slice(0, 16);
}

/** Adds the parent of each sub-technique, so T1110.003 also meets a playbook that lists T1110 and vice versa. */
export function withParents(ids: readonly string[]): string[] {
  const all = new Set<string>();
  for (const id of ids) {
    all.add(id);
    const dot = id.indexOf('.');
    if (dot > 0) all.add(id.slice(0, dot));
  }
  return [...all];
}

const TACTIC_BY_COMPACT: ReadonlyMap<string, AttackTactic> = new Map(
  ATTACK_TACTICS.map((t) => [t.replaceAll('-', ''), t]),
);

/** "Credential Access", "CredentialAccess" and "credential-access" all name the same tactic. */
function toTactic(name: string): AttackTactic | null {
  return TACTIC_BY_COMPACT.get(name.toLowerCase().replace(/[^a-z]/g, '')) ?? null;
}

/** ATT&CK descriptions carry citation markers and HTML code tags that are noise for search and for readers. */
function cleanAttackText(text: string): string {
  return text
    .replace(/\(Citation:[^)]*\)/g, '')
    .replace(/<\/?code>/g, '')
    .replace(/\s+/g, ' ')
    .trim();
}
