import type { SearchClient, SearchIndex, SearchIndexClient } from '@azure/search-documents';
import type { Embedder } from './embedder.ts';
import type { Playbook } from './playbook.ts';
import { type PlaybookQuery, type PlaybookSearchResult, withParents } from './playbook-index.ts';
import type { PlaybookRetriever } from './retriever.ts';

/** A playbook as an Azure AI Search document. Keys allow letters, digits, `_`, `-` and `=` only. */
export interface PlaybookSearchDocument {
  id: string;
  playbookId: string;
  title: string;
  keywords: string[];
  techniques: string[];
  tactics: string[];
  entityTypes: string[];
  applies: string;
  text: string;
  steps: string[];
  contentVector?: number[];
}

const VECTOR_PROFILE = 'playbook-vectors';
const SCORING_PROFILE = 'playbook-fields';
const SELECT = ['playbookId', 'title', 'steps', 'techniques', 'tactics'] as const;
/** Limits that keep a query bounded whatever an alert contains (the same spirit as the embedded index). */
const MAX_TEXT_CHARS = 2048;
const MAX_WORDS = 48;
const MAX_LIST_ITEMS = 64;

/**
 * The index schema: searchable text fields weighted like the embedded index (keywords and technique ids are the
 * curated signal), filterable technique/tactic collections, and a vector field for the hybrid query when an
 * embedding model is configured.
 */
export function playbookIndexDefinition(name: string, dimensions?: number): SearchIndex {
  const text = (field: string) => ({ name: field, type: 'Edm.String' as const, searchable: true, analyzerName: 'en.microsoft' as const });
  const list = (field: string) => ({ name: field, type: 'Collection(Edm.String)' as const, searchable: true, filterable: true, facetable: false });
  return {
    name,
    fields: [
      { name: 'id', type: 'Edm.String', key: true, filterable: true },
      { name: 'playbookId', type: 'Edm.String', filterable: true },
      text('title'),
      { ...list('keywords'), analyzerName: 'en.microsoft' },
      { ...list('techniques'), analyzerName: 'keyword' },
      { ...list('tactics'), analyzerName: 'keyword' },
      { ...list('entityTypes'), analyzerName: 'keyword' },
      text('applies'),
      text('text'),
      { name: 'steps', type: 'Collection(Edm.String)', searchable: false },
      ...(dimensions === undefined
        ? []
        : [{ name: 'contentVector', type: 'Collection(Edm.Single)' as const, searchable: true, vectorSearchDimensions: dimensions, vectorSearchProfileName: VECTOR_PROFILE }]),
    ],
    scoringProfiles: [{ name: SCORING_PROFILE, textWeights: { weights: { techniques: 4, keywords: 3, title: 2, applies: 1.5, tactics: 1, text: 1 } } }],
    defaultScoringProfile: SCORING_PROFILE,
    ...(dimensions === undefined
      ? {}
      : {
          vectorSearch: {
            algorithms: [{ name: 'hnsw', kind: 'hnsw' as const }],
            profiles: [{ name: VECTOR_PROFILE, algorithmConfigurationName: 'hnsw' }],
          },
        }),
  };
}

/** The text a playbook is embedded from: what it is about, not its containment and closure boilerplate. */
const embeddingText = (p: Playbook): string =>
  [p.title, p.keywords.join(', '), p.attack.techniques.join(' '), p.sections.whenItApplies].join('\n').slice(0, 8000);

/** The documents for a set of playbooks, with vectors when an embedder is given. */
export async function playbookSearchDocuments(playbooks: readonly Playbook[], embedder?: Embedder): Promise<PlaybookSearchDocument[]> {
  const vectors = embedder === undefined ? [] : await embedder.embed(playbooks.map(embeddingText));
  return playbooks.map((p, i) => ({
    id: `playbook-${p.id}`,
    playbookId: p.id,
    title: p.title,
    keywords: [...p.keywords],
    techniques: withParents(p.attack.techniques),
    tactics: [...p.attack.tactics],
    entityTypes: [...p.entityTypes],
    applies: p.sections.whenItApplies,
    text: `${p.sections.triageQuestions}\n${p.sections.investigationSteps}`,
    steps: [...p.steps],
    ...(vectors[i] === undefined ? {} : { contentVector: vectors[i] }),
  }));
}

/**
 * Creates or updates the index and uploads the playbooks (merge-or-upload, so re-publishing is idempotent), then
 * deletes documents of playbooks that no longer exist. Returns what changed.
 */
export async function publishPlaybooks(o: {
  indexClient: Pick<SearchIndexClient, 'createOrUpdateIndex'>;
  searchClient: Pick<SearchClient<PlaybookSearchDocument>, 'mergeOrUploadDocuments' | 'search' | 'deleteDocuments'>;
  indexName: string;
  playbooks: readonly Playbook[];
  embedder?: Embedder;
}): Promise<{ uploaded: number; deleted: number }> {
  await o.indexClient.createOrUpdateIndex(playbookIndexDefinition(o.indexName, o.embedder?.dimensions));
  const documents = await playbookSearchDocuments(o.playbooks, o.embedder);
  const result = await o.searchClient.mergeOrUploadDocuments(documents, { throwOnAnyFailure: true });
  const keep = new Set(documents.map((d) => d.id));
  const stale: string[] = [];
  const existing = await o.searchClient.search('*', { select: ['id'], top: 1000 });
  for await (const hit of existing.results) {
    const id = (hit.document as { id?: unknown }).id;
    if (typeof id === 'string' && !keep.has(id)) stale.push(id);
  }
  if (stale.length > 0) await o.searchClient.deleteDocuments('id', stale, { throwOnAnyFailure: true });
  return { uploaded: result.results.length, deleted: stale.length };
}

/**
 * Playbook retrieval from Azure AI Search: a keyword query over the weighted text fields (technique ids quoted,
 * alert words reduced to plain terms so the alert cannot inject query syntax) and, with an embedder, a vector
 * query over the same text — the service fuses both rankings (hybrid, reciprocal rank fusion).
 *
 * The query's entity values (user names, hosts, addresses) are removed from the text first: they carry no signal
 * for choosing a playbook and are the personal data of the alert.
 */
export function azureSearchRetriever(o: {
  client: Pick<SearchClient<PlaybookSearchDocument>, 'search'>;
  embedder?: Embedder | undefined;
}): PlaybookRetriever {
  return {
    name: o.embedder === undefined ? 'azure-ai-search (keyword)' : 'azure-ai-search (hybrid)',
    async find(query, limit) {
      const text = searchTextOf(query);
      if (text === '') return [];
      const vector = o.embedder === undefined ? undefined : (await o.embedder.embed([text]))[0];
      const response = await o.client.search(text, {
        top: limit,
        searchMode: 'any',
        queryType: 'simple',
        select: [...SELECT],
        scoringProfile: SCORING_PROFILE,
        ...(vector === undefined
          ? {}
          : { vectorSearchOptions: { queries: [{ kind: 'vector' as const, vector, fields: ['contentVector' as const], kNearestNeighborsCount: Math.max(limit, 5) }] } }),
      });
      const found: PlaybookSearchResult[] = [];
      for await (const hit of response.results) {
        const d = hit.document as Partial<PlaybookSearchDocument>;
        if (typeof d.playbookId !== 'string' || typeof d.title !== 'string') continue;
        const techniques = new Set(query.techniques ?? []);
        found.push({
          kind: 'playbook',
          playbookId: d.playbookId,
          title: d.title,
          score: Math.round(hit.score * 1000) / 1000,
          matchedOn: [
            ...(d.techniques ?? []).filter((t) => techniques.has(t)).map((t) => `technique:${t}`),
            `azure-ai-search:${o.embedder === undefined ? 'keyword' : 'hybrid'}`,
          ],
          steps: Array.isArray(d.steps) ? d.steps.filter((s): s is string => typeof s === 'string') : [],
        });
        if (found.length >= limit) break;
      }
      return found;
    },
  };
}

/**
 * The keyword query for an alert: quoted technique ids and tactic names, then the alert's words as plain terms.
 * Only letters, digits and dots survive, so `"`, `-`, `|`, `*` and the rest of the simple syntax cannot reach it.
 */
export function searchTextOf(query: PlaybookQuery): string {
  const terms: string[] = [];
  for (const t of (query.techniques ?? []).slice(0, MAX_LIST_ITEMS)) if (/^T\d{4}(?:\.\d{3})?$/.test(t)) terms.push(`"${t}"`);
  for (const t of (query.tactics ?? []).slice(0, MAX_LIST_ITEMS)) {
    const words = t.replace(/[^\p{L}\p{N}]+/gu, ' ').trim();
    if (words !== '' && words.length <= 64) terms.push(words);
  }
  let text = (query.text ?? '').slice(0, MAX_TEXT_CHARS);
  // Longest first, so a UPN goes before the user name inside it.
  const values = [...(query.entityValues ?? [])].slice(0, MAX_LIST_ITEMS).sort((a, b) => b.length - a.length);
  for (const value of values) if (value.length >= 3) text = text.split(value).join(' ');
  const words = text
    .split(/[^\p{L}\p{N}.]+/u)
    .map((w) => w.replace(/^\.+|\.+$/g, ''))
    .filter((w) => w.length >= 2 && w.length <= 40);
  terms.push(...[...new Set(words)].slice(0, MAX_WORDS));
  return terms.join(' ');
}
