import type OpenAI from 'openai';

/** Turns texts into embedding vectors for the vector half of a hybrid search. */
export interface Embedder {
  readonly dimensions: number;
  embed(texts: readonly string[]): Promise<number[][]>;
}

/**
 * Embeddings through the `openai` SDK: an `AzureOpenAI` client with an embedding deployment, or any
 * OpenAI-compatible server with an embedding model. A vector of the wrong length is an error (an index built
 * with another model would rank garbage).
 */
export function openAiEmbedder(client: Pick<OpenAI, 'embeddings'>, model: string, dimensions: number): Embedder {
  return {
    dimensions,
    async embed(texts) {
      if (texts.length === 0) return [];
      const response = await client.embeddings.create({ model, input: [...texts], encoding_format: 'float' });
      const vectors = [...response.data].sort((a, b) => a.index - b.index).map((d) => d.embedding);
      for (const v of vectors) {
        if (v.length !== dimensions) {
          throw new Error(`The embedding model ${model} returned ${v.length} dimensions, not the configured ${dimensions}; set PLAYBOOK_SEARCH_EMBEDDING_DIMENSIONS to the model's size and publish the playbooks again`);
        }
      }
      return vectors;
    },
  };
}
