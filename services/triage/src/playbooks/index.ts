export {
  ATTACK_TACTICS,
  AttackTactic,
  DEFAULT_PLAYBOOKS_DIR,
  PLAYBOOK_SECTIONS,
  PlaybookError,
  PlaybookFrontMatter,
  TechniqueId,
  loadPlaybooks,
  parsePlaybook,
} from './playbook.ts';
export type { Playbook, PlaybookSection } from './playbook.ts';
export { FrontMatterSyntaxError, parseFrontMatter, splitFrontMatter } from './front-matter.ts';
export type { FrontMatter, FrontMatterValue } from './front-matter.ts';
export { TechniqueDocument, createPlaybookIndex } from './playbook-index.ts';
export type {
  PlaybookIndex,
  PlaybookMatch,
  PlaybookQuery,
  PlaybookSearchResult,
  TechniqueMatch,
} from './playbook-index.ts';
export { cachedPlaybookIndex } from './cached-index.ts';
export { embeddedRetriever, withFallback } from './retriever.ts';
export type { PlaybookRetriever, RetrieverFailure } from './retriever.ts';
export { azureSearchRetriever, playbookIndexDefinition, playbookSearchDocuments, publishPlaybooks, searchTextOf } from './azure-search.ts';
export type { PlaybookSearchDocument } from './azure-search.ts';
export { openAiEmbedder } from './embedder.ts';
export type { Embedder } from './embedder.ts';
