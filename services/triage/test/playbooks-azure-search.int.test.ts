import { AzureKeyCredential, SearchClient, SearchIndexClient } from '@azure/search-documents';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AlertEnrichedV1, type Alert, createEvent } from '@soc/contracts';
import { SAMPLE_ENTITIES, sampleAlert } from '@soc/contracts/testing';
import type { DeliveryInfo } from '@soc/bus';
import { createLogger } from '@soc/observability';
import { manualClock } from '@soc/runtime';
import { TriageConfig } from '../src/config.ts';
import { loadTriageKnowledge, playbookQueryOf } from '../src/engine.ts';
import { mapAttack } from '../src/attack/index.ts';
import { makeTriageHandler } from '../src/handler.ts';
import { openPlaybookRetriever } from '../src/open-playbook-retriever.ts';
import { type PlaybookSearchDocument, azureSearchRetriever, loadPlaybooks, openAiEmbedder, publishPlaybooks, searchTextOf } from '../src/playbooks/index.ts';
import { loadWeights } from '../src/weights.ts';
import { type OpenAiRecorder, startOpenAiRecorder } from './support/openai-recorder.ts';
import { type LocalSearchService, startLocalSearchService } from './support/search-service.ts';

const KEY = 'local-search-key';
const delivery: DeliveryInfo = { subscription: 'triage', deliveryCount: 1, signal: new AbortController().signal };
const INDEX = 'soc-playbooks';
const DIMS = 16;
const playbooks = loadPlaybooks();
const knowledge = loadTriageKnowledge();

/** A deterministic bag-of-words embedding, so similar texts get similar vectors. */
function embed(text: string): number[] {
  const v = new Array<number>(DIMS).fill(0);
  for (const w of text.toLowerCase().split(/[^a-z0-9]+/).filter((x) => x.length > 2)) {
    let h = 0;
    for (const c of w) h = (h * 31 + c.charCodeAt(0)) >>> 0;
    v[h % DIMS] = (v[h % DIMS] ?? 0) + 1;
  }
  return v;
}

const upn = 'jane.doe@contoso.com';
const spray: Alert = sampleAlert({
  alertId: 'alt-spray',
  title: `Password spray against ${upn} from 185.220.101.4`,
  description: 'Multiple failed sign-ins (4625) across many accounts from one address',
  attack: [{ tactic: 'credential-access', techniqueId: 'T1110.003' }],
  entities: [SAMPLE_ENTITIES.externalIp, { id: `user:${upn}`, type: 'user', value: upn, origin: 'source' }],
});

let search: LocalSearchService;
let llm: OpenAiRecorder;
let searchClient: SearchClient<PlaybookSearchDocument>;

beforeAll(async () => {
  search = await startLocalSearchService(KEY);
  llm = await startOpenAiRecorder((req) => {
    const input = (req.body.input as string[] | undefined) ?? [];
    return { json: { object: 'list', model: 'embed', data: input.map((t, index) => ({ object: 'embedding', index, embedding: embed(t) })), usage: { prompt_tokens: 1, total_tokens: 1 } } };
  });
  searchClient = new SearchClient<PlaybookSearchDocument>(search.url, INDEX, new AzureKeyCredential(KEY), { allowInsecureConnection: true });
});
afterAll(async () => {
  await search.close();
  await llm.close();
});

const embedder = () => openAiEmbedder(new OpenAI({ baseURL: llm.baseURL, apiKey: 'unused', maxRetries: 0 }), 'text-embedding-3-small', DIMS);

describe('Azure AI Search as the playbook index', () => {
  it('publishes the shipped playbooks with vectors, idempotently, and removes playbooks that are gone', async () => {
    const indexClient = new SearchIndexClient(search.url, new AzureKeyCredential(KEY), { allowInsecureConnection: true });
    const first = await publishPlaybooks({ indexClient, searchClient, indexName: INDEX, playbooks, embedder: embedder() });
    expect(first).toEqual({ uploaded: 6, deleted: 0 });
    const index = search.indexes.get(INDEX);
    const fields = (index?.definition.fields as { name: string; key?: boolean; dimensions?: number }[]).map((f) => f.name);
    expect(fields).toEqual(['id', 'playbookId', 'title', 'keywords', 'techniques', 'tactics', 'entityTypes', 'applies', 'text', 'steps', 'contentVector']);
    expect(index?.docs.get('playbook-brute-force')).toMatchObject({ playbookId: 'brute-force', techniques: expect.arrayContaining(['T1110.003', 'T1110']) });
    expect((index?.docs.get('playbook-phishing')?.contentVector as number[]).length).toBe(DIMS);

    index?.docs.set('playbook-retired', { id: 'playbook-retired', playbookId: 'retired', title: 'Retired' });
    expect(await publishPlaybooks({ indexClient, searchClient, indexName: INDEX, playbooks, embedder: embedder() })).toEqual({ uploaded: 6, deleted: 1 });
    expect([...(index?.docs.keys() ?? [])].sort()).toEqual(playbooks.map((p) => `playbook-${p.id}`).sort());
    expect(search.requests.every((r) => r.apiKey === KEY)).toBe(true);
  });

  it('finds the brute-force playbook with a hybrid query that carries no entity value and no query syntax from the alert', async () => {
    const retriever = azureSearchRetriever({ client: searchClient, embedder: embedder() });
    const query = playbookQueryOf(spray, mapAttack(spray, knowledge.attack));
    const before = search.requests.length;
    const [best] = await retriever.find(query, 1);
    expect(best).toMatchObject({ kind: 'playbook', playbookId: 'brute-force', title: 'Brute force and password spray' });
    expect(best?.matchedOn).toEqual(expect.arrayContaining(['technique:T1110.003', 'azure-ai-search:hybrid']));
    expect(best?.steps).toEqual(playbooks.find((p) => p.id === 'brute-force')?.steps);

    const sent = search.requests.slice(before).find((r) => r.path.endsWith('/docs/search.post.search'));
    expect(sent?.body).toMatchObject({ top: 1, searchMode: 'any', scoringProfile: 'playbook-fields', select: 'playbookId,title,steps,techniques,tactics' });
    expect(sent?.body?.search).toContain('"T1110.003"');
    expect(sent?.body?.vectorQueries).toMatchObject([{ kind: 'vector', fields: 'contentVector', k: 5 }]);
    const toModels = JSON.stringify(sent?.body) + JSON.stringify(llm.requests.at(-1)?.body);
    for (const value of [upn, 'jane.doe', '185.220.101.4']) expect(toModels).not.toContain(value);
  });

  it('reduces hostile alert text to plain terms', () => {
    const text = searchTextOf({ techniques: ['T1110', 'T1110" OR *'], text: 'Invoke-Mimikatz" | search=* -(title:x) && admin~2 ^9 /re.*/' });
    expect(text).toBe('"T1110" Invoke Mimikatz search title admin re');
    expect(searchTextOf({ text: '"*"' })).toBe('');
  });

  it('refuses an embedding model whose vectors have another length', async () => {
    const wrong = openAiEmbedder(new OpenAI({ baseURL: llm.baseURL, apiKey: 'unused', maxRetries: 0 }), 'other-model', 1536);
    await expect(wrong.embed(['x'])).rejects.toThrow(/returned 16 dimensions, not the configured 1536; set PLAYBOOK_SEARCH_EMBEDDING_DIMENSIONS/);
  });

  it('is selected by configuration and, when the search service is down, the embedded index answers and the alert is triaged', async () => {
    const config = TriageConfig.parse({ PLAYBOOK_SEARCH_ENDPOINT: search.url, PLAYBOOK_SEARCH_API_KEY: KEY, PLAYBOOK_SEARCH_INDEX: INDEX });
    const lines: string[] = [];
    const log = createLogger({ service: 'triage-test', level: 'warn', destination: { write: (l: string) => lines.push(l) } });
    const retriever = openPlaybookRetriever(config, knowledge.playbooks, log);
    expect(retriever?.name).toBe('azure-ai-search (keyword), falling back to embedded');
    const handle = makeTriageHandler({ weights: loadWeights(), knowledge, clock: manualClock('2026-11-23T10:00:01Z'), playbooks: retriever });
    const event = createEvent(AlertEnrichedV1, { alert: spray, enrichment: { facts: [], missing: [] } }, { id: 'e-spray', source: '/soc/enrichment', time: new Date('2026-11-23T10:00:00Z'), correlationid: 'c-spray', tenantid: 'contoso' });
    try {
      const up = await handle(event, delivery);
      const searched = search.requests.filter((r) => r.path.endsWith('/docs/search.post.search')).length;
      search.failWith(503);
      const down = await handle(event, delivery);
      expect(search.requests.filter((r) => r.path.endsWith('/docs/search.post.search')).length).toBeGreaterThan(searched);
      const steps = (r: typeof up) => (r.emit[0]?.data as { triage: { nextSteps: string[] } }).triage.nextSteps;
      expect(steps(up)[0]).toMatch(/^\[Brute force and password spray\] /);
      expect(steps(down)).toEqual(steps(up));
      expect(lines.join('\n')).toMatch(/Azure AI Search playbook lookup failed \(run `npx soc playbooks publish` if the index is missing\); alerts use the embedded playbook index meanwhile/);
      // A second failure within the minute is counted, not logged again.
      await handle(event, delivery);
      expect(lines.filter((l) => l.includes('playbook lookup failed'))).toHaveLength(1);
    } finally {
      search.failWith(undefined);
      retriever?.close();
    }
  });
});
