import type { PlaybookIndex, PlaybookQuery, PlaybookSearchResult } from './playbook-index.ts';

/**
 * A {@link PlaybookIndex} that remembers recent answers (LRU, `maxEntries`). A search costs ~0.2 ms and alert storms
 * repeat the same rule, techniques and text, so most lookups become a map hit. Results are shared: callers must
 * not mutate them. The cache empties when techniques are added (the answers could change).
 */
export function cachedPlaybookIndex(index: PlaybookIndex, maxEntries = 1000): PlaybookIndex {
  const cache = new Map<string, PlaybookSearchResult[]>();
  return {
    get size() {
      return index.size;
    },
    findPlaybooks(query: PlaybookQuery, limit = 3): PlaybookSearchResult[] {
      // The index reads only the first 8 KiB of the text (MAX_TEXT_CHARS); the key does the same.
      const key = JSON.stringify([limit, query.techniques ?? [], query.tactics ?? [], query.entityTypes ?? [], (query.text ?? '').slice(0, 8192)]);
      const hit = cache.get(key);
      if (hit !== undefined) {
        cache.delete(key);
        cache.set(key, hit);
        return hit;
      }
      const answer = index.findPlaybooks(query, limit);
      cache.set(key, answer);
      if (cache.size > maxEntries) cache.delete(cache.keys().next().value as string);
      return answer;
    },
    addTechniques(techniques) {
      cache.clear();
      index.addTechniques(techniques);
    },
  };
}
