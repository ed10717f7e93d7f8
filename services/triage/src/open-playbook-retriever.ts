import { AzureKeyCredential, SearchClient, SearchIndexClient } from '@azure/search-documents';
import { DefaultAzureCredential, getBearerTokenProvider } from '@azure/identity';
import OpenAI, { AzureOpenAI } from 'openai';
import type { Logger } from '@soc/observability';
import { breaker, isOutageOrMisconfiguration } from '@soc/runtime';
import type { TriageConfig } from './config.ts';
import { type Embedder, type PlaybookIndex, type PlaybookRetriever, type PlaybookSearchDocument, azureSearchRetriever, embeddedRetriever, loadPlaybooks, openAiEmbedder, publishPlaybooks, withFallback } from './playbooks/index.ts';

const searchCredential = (config: TriageConfig) =>
  config.PLAYBOOK_SEARCH_API_KEY !== undefined ? new AzureKeyCredential(config.PLAYBOOK_SEARCH_API_KEY) : new DefaultAzureCredential();

/** The Azure AI Search clients the configuration names, for retrieval and for `soc playbooks publish`. */
export function playbookSearchClients(config: TriageConfig): { search: SearchClient<PlaybookSearchDocument>; index: SearchIndexClient } | undefined {
  if (config.PLAYBOOK_SEARCH_ENDPOINT === undefined) return undefined;
  const credential = searchCredential(config);
  // Plain http only to a loopback address (a local stand-in); anything else must be https.
  const options = { allowInsecureConnection: isLoopback(config.PLAYBOOK_SEARCH_ENDPOINT) };
  // One quick retry: the embedded index answers when the search does not, so long backoffs only delay the alert.
  const retryOptions = { maxRetries: 1, retryDelayInMs: 200, maxRetryDelayInMs: 500 };
  return {
    search: new SearchClient<PlaybookSearchDocument>(config.PLAYBOOK_SEARCH_ENDPOINT, config.PLAYBOOK_SEARCH_INDEX, credential, { ...options, retryOptions }),
    index: new SearchIndexClient(config.PLAYBOOK_SEARCH_ENDPOINT, credential, options),
  };
}

const isLoopback = (url: string): boolean => ['127.0.0.1', 'localhost', '[::1]'].includes(new URL(url).hostname);

/** The embedder for the hybrid query, on the same endpoint and credentials as the LLM copilot. */
export function playbookEmbedder(config: TriageConfig): Embedder | undefined {
  const model = config.PLAYBOOK_SEARCH_EMBEDDING_MODEL;
  if (model === undefined || config.LLM_PROVIDER === 'none') return undefined;
  const common = { timeout: config.PLAYBOOK_SEARCH_TIMEOUT_MS, maxRetries: 0 };
  const client =
    config.LLM_PROVIDER === 'azure'
      ? new AzureOpenAI({
          ...common,
          endpoint: config.AZURE_OPENAI_ENDPOINT ?? '',
          apiVersion: config.AZURE_OPENAI_API_VERSION,
          ...(config.AZURE_OPENAI_API_KEY !== undefined
            ? { apiKey: config.AZURE_OPENAI_API_KEY }
            : { azureADTokenProvider: getBearerTokenProvider(new DefaultAzureCredential(), 'https://cognitiveservices.azure.com/.default') }),
        })
      : new OpenAI({ ...common, baseURL: config.OPENAI_BASE_URL ?? '', apiKey: config.OPENAI_API_KEY ?? 'unused' });
  return openAiEmbedder(client, model, config.PLAYBOOK_SEARCH_EMBEDDING_DIMENSIONS);
}

/**
 * The playbook retriever the configuration selects: undefined for the embedded index (the engine asks it
 * in-process), or Azure AI Search behind a circuit breaker, falling back to the embedded index per alert when the
 * search is slow or down.
 */
export function openPlaybookRetriever(config: TriageConfig, embedded: PlaybookIndex, log: Logger): (PlaybookRetriever & { close(): void }) | undefined {
  const clients = playbookSearchClients(config);
  if (clients === undefined) return undefined;
  const remote = azureSearchRetriever({ client: clients.search, embedder: playbookEmbedder(config) });
  const guarded = breaker((...args: Parameters<PlaybookRetriever['find']>) => remote.find(...args), { name: 'playbook-search', timeoutMs: config.PLAYBOOK_SEARCH_TIMEOUT_MS, isDependencyFailure: isOutageOrMisconfiguration });
  // One warning a minute with the count since the last: an unpublished index or an outage fails every alert of a storm.
  let failedSince = 0;
  let lastWarned = -Infinity;
  const retriever = withFallback({ name: remote.name, find: guarded }, embeddedRetriever(embedded), (error) => {
    failedSince++;
    if (Date.now() - lastWarned < 60_000) return;
    log.warn(
      { err: error instanceof Error ? error.message : String(error), failedLookups: failedSince },
      'Azure AI Search playbook lookup failed (run `npx soc playbooks publish` if the index is missing); alerts use the embedded playbook index meanwhile',
    );
    lastWarned = Date.now();
    failedSince = 0;
  });
  return { ...retriever, close: () => guarded.breaker.shutdown() };
}

/**
 * Publishes the shipped playbooks (or those in `dir`) to the configured Azure AI Search index: creates or updates
 * the index, uploads every playbook with its vector, deletes playbooks that are gone. Needs the Search Index Data
 * Contributor and Search Service Contributor roles (or an admin key), unlike retrieval.
 */
export async function publishConfiguredPlaybooks(config: TriageConfig, dir?: string): Promise<{ index: string; uploaded: number; deleted: number; hybrid: boolean }> {
  const clients = playbookSearchClients(config);
  if (clients === undefined) throw new Error('PLAYBOOK_SEARCH_ENDPOINT is not set: name the Azure AI Search service (https://<service>.search.windows.net)');
  const embedder = playbookEmbedder(config);
  const result = await publishPlaybooks({
    indexClient: clients.index,
    searchClient: clients.search,
    indexName: config.PLAYBOOK_SEARCH_INDEX,
    playbooks: loadPlaybooks(dir),
    ...(embedder === undefined ? {} : { embedder }),
  });
  return { index: config.PLAYBOOK_SEARCH_INDEX, ...result, hybrid: embedder !== undefined };
}
