// Whole-word, case-insensitive phrase matching in time linear in the text: the text is split once into
// letter/digit tokens, and a token trie (depth ≤ the longest phrase) is walked from each token. No regular
// expression ever sees attacker text except the fixed-width technique-id pattern below.

/** Tokens that carry no meaning for matching (`certutil.exe` reads as `certutil`). */
const IGNORED_TOKENS = new Set(['exe']);

const isAlnum = (c: number): boolean => (c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x7a);

/** A trailing plural `s` is dropped on both sides, so `Scheduled Tasks` matches `scheduled task`. */
function normaliseToken(t: string): string {
  return t.length > 3 && t.endsWith('s') && !t.endsWith('ss') ? t.slice(0, -1) : t;
}

/** Lower-cases and splits text into normalised letter/digit tokens; everything else separates. */
export function tokenize(text: string): string[] {
  const lower = text.toLowerCase();
  const tokens: string[] = [];
  let start = -1;
  for (let i = 0; i <= lower.length; i++) {
    const inWord = i < lower.length && isAlnum(lower.charCodeAt(i));
    if (inWord && start < 0) start = i;
    else if (!inWord && start >= 0) {
      const token = normaliseToken(lower.slice(start, i));
      if (!IGNORED_TOKENS.has(token)) tokens.push(token);
      start = -1;
    }
  }
  return tokens;
}

interface TrieNode {
  readonly next: Map<string, TrieNode>;
  /** Ids of the phrases that end at this node. */
  readonly ends: number[];
}

const newNode = (): TrieNode => ({ next: new Map(), ends: [] });

/** A precompiled set of phrases; `find` returns the ids of the phrases that occur in a text. */
export interface PhraseMatcher {
  readonly size: number;
  find(text: string): Set<number>;
}

/** Compiles phrases (each tokenised like the text); an empty phrase never matches. */
export function compilePhrases(phrases: readonly string[]): PhraseMatcher {
  const root = newNode();
  let maxDepth = 0;
  phrases.forEach((phrase, id) => {
    const tokens = tokenize(phrase);
    if (tokens.length === 0) return;
    let node = root;
    for (const t of tokens) {
      let child = node.next.get(t);
      if (!child) {
        child = newNode();
        node.next.set(t, child);
      }
      node = child;
    }
    node.ends.push(id);
    maxDepth = Math.max(maxDepth, tokens.length);
  });
  return {
    size: phrases.length,
    find(text: string): Set<number> {
      const tokens = tokenize(text);
      const found = new Set<number>();
      for (let i = 0; i < tokens.length; i++) {
        let node: TrieNode | undefined = root;
        for (let j = i; j < tokens.length && j - i < maxDepth; j++) {
          node = node.next.get(tokens[j]!);
          if (!node) break;
          for (const id of node.ends) found.add(id);
        }
      }
      return found;
    },
  };
}

// Fixed-width and anchored by word boundaries, so it cannot backtrack more than a few characters.
const TECHNIQUE_ID = /\bT(\d{4})(\.\d{3})?\b/gi;

/** Distinct ATT&CK technique ids (`T1059`, `t1059.001`) written in a text, upper-cased, at most `limit`. */
export function findTechniqueIds(text: string, limit = 64): string[] {
  const ids = new Set<string>();
  for (const m of text.matchAll(TECHNIQUE_ID)) {
    ids.add(`T${m[1]}${m[2] ?? ''}`);
    if (ids.size >= limit) break;
  }
  return [...ids];
}
