import type { PlaybookIndex, PlaybookQuery, PlaybookSearchResult } from './playbook-index.ts';

/**
 * Where triage looks up playbooks and procedures for an alert. The embedded minisearch index answers in-process;
 * Azure AI Search answers over the network, so the port is asynchronous.
 */
export interface PlaybookRetriever {
  readonly name: string;
  find(query: PlaybookQuery, limit: number): Promise<PlaybookSearchResult[]>;
}

/** The embedded index as a retriever. */
export function embeddedRetriever(index: PlaybookIndex): PlaybookRetriever {
  return { name: 'embedded', find: (query, limit) => Promise.resolve(index.findPlaybooks(query, limit)) };
}

/** What a retriever with a fallback reports when the primary fails, so the composition root can log it. */
export type RetrieverFailure = (error: unknown) => void;

/**
 * Asks `primary` (e.g. Azure AI Search behind a circuit breaker) and falls back to `fallback` (the embedded index)
 * when it fails: playbook steps are advice, and an outage of the search service must not hold up an alert.
 */
export function withFallback(primary: PlaybookRetriever, fallback: PlaybookRetriever, onFailure: RetrieverFailure): PlaybookRetriever {
  return {
    name: `${primary.name}, falling back to ${fallback.name}`,
    async find(query, limit) {
      try {
        return await primary.find(query, limit);
      } catch (error) {
        onFailure(error);
        return fallback.find(query, limit);
      }
    },
  };
}
