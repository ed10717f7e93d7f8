import { z } from 'zod';
import { MIN_BUDGET_TOKENS } from './llm/prompt.ts';

const optionalText = z.preprocess((v) => (typeof v === 'string' && v.trim() === '' ? undefined : v), z.string().trim().min(1).optional());

/** The triage service's own settings. */
export const TriageConfig = z
  .object({
    /** A weights file of your own; default the bundled config/weights.v1.json. */
    TRIAGE_WEIGHTS_FILE: z.string().min(1).optional(),
    /** The LLM copilot: `none` (deterministic only), `azure` (Azure OpenAI) or `openai` (any OpenAI-compatible server). */
    LLM_PROVIDER: z.enum(['none', 'azure', 'openai']).default('none'),
    AZURE_OPENAI_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    AZURE_OPENAI_DEPLOYMENT: optionalText,
    AZURE_OPENAI_API_VERSION: z.string().min(1).default('2024-10-21'),
    /** A secret; without it, Entra ID (DefaultAzureCredential) tokens are used. */
    AZURE_OPENAI_API_KEY: optionalText,
    /** e.g. http://localhost:11434/v1 (Ollama), http://vllm:8000/v1. */
    OPENAI_BASE_URL: z.url({ protocol: /^https?$/ }).optional(),
    OPENAI_API_KEY: optionalText,
    LLM_MODEL: optionalText,
    LLM_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(20_000),
    /** Model calls in flight at once; more wait their turn. */
    LLM_MAX_CONCURRENCY: z.coerce.number().int().min(1).max(256).default(4),
    /** Prompt tokens per call at most (the fenced alert text is cut first). */
    // Below MIN_BUDGET_TOKENS not every case fits, and the copilot would refuse the cases it does not fit.
    LLM_MAX_INPUT_TOKENS: z.coerce.number().int().min(MIN_BUDGET_TOKENS).max(100_000).default(2500),
    LLM_TOKENS_PER_HOUR: z.coerce.number().int().min(1000).default(200_000),
    /** How long a case group's advice is reused. */
    LLM_CACHE_TTL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
    LLM_PRICE_PROMPT_PER_1K: z.coerce.number().min(0).optional(),
    LLM_PRICE_COMPLETION_PER_1K: z.coerce.number().min(0).optional(),
    /** Redact IP addresses from prompts (usernames, e-mail addresses and secrets always are). */
    LLM_REDACT_IPS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
    /** The KQL guard policy the model's hunt queries must pass (the same file as the API's); default the built-in. */
    KQL_POLICY_FILE: optionalText,
    /** Azure AI Search as the playbook index (https://<service>.search.windows.net); unset: the embedded index. */
    PLAYBOOK_SEARCH_ENDPOINT: z.url({ protocol: /^https?$/ }).optional(),
    PLAYBOOK_SEARCH_INDEX: z.string().regex(/^[a-z0-9][a-z0-9-]{1,127}$/, 'lower-case letters, digits and dashes').default('soc-playbooks'),
    /** A query key; without it, Entra ID (DefaultAzureCredential, role Search Index Data Reader) is used. */
    PLAYBOOK_SEARCH_API_KEY: optionalText,
    /** An embedding deployment (Azure OpenAI) or model (OpenAI-compatible) for the hybrid query; unset: keyword only. */
    PLAYBOOK_SEARCH_EMBEDDING_MODEL: optionalText,
    PLAYBOOK_SEARCH_EMBEDDING_DIMENSIONS: z.coerce.number().int().min(2).max(4096).default(1536),
    /** A search slower than this falls back to the embedded index for that alert. */
    PLAYBOOK_SEARCH_TIMEOUT_MS: z.coerce.number().int().min(100).max(60_000).default(2000),
    /** A tenant's triage tuning is read from the state store at most this often per tenant (a change applies within it). */
    TRIAGE_TUNING_REFRESH_SECONDS: z.coerce.number().int().min(1).max(3600).default(30),
  })
  .superRefine((c, ctx) => {
    if (c.LLM_PROVIDER === 'azure') {
      if (c.AZURE_OPENAI_ENDPOINT === undefined) ctx.addIssue({ code: 'custom', path: ['AZURE_OPENAI_ENDPOINT'], message: 'LLM_PROVIDER=azure needs AZURE_OPENAI_ENDPOINT (https://<resource>.openai.azure.com)' });
      if (c.AZURE_OPENAI_DEPLOYMENT === undefined) ctx.addIssue({ code: 'custom', path: ['AZURE_OPENAI_DEPLOYMENT'], message: 'LLM_PROVIDER=azure needs AZURE_OPENAI_DEPLOYMENT' });
    }
    if (c.PLAYBOOK_SEARCH_EMBEDDING_MODEL !== undefined && c.LLM_PROVIDER === 'none') {
      ctx.addIssue({ code: 'custom', path: ['PLAYBOOK_SEARCH_EMBEDDING_MODEL'], message: 'PLAYBOOK_SEARCH_EMBEDDING_MODEL uses the LLM endpoint: set LLM_PROVIDER (azure or openai) too, or unset it for a keyword-only search' });
    }
    if (c.LLM_PROVIDER === 'openai') {
      if (c.OPENAI_BASE_URL === undefined) ctx.addIssue({ code: 'custom', path: ['OPENAI_BASE_URL'], message: 'LLM_PROVIDER=openai needs OPENAI_BASE_URL (e.g. https://api.openai.com/v1 or http://localhost:11434/v1)' });
      if (c.LLM_MODEL === undefined) ctx.addIssue({ code: 'custom', path: ['LLM_MODEL'], message: 'LLM_PROVIDER=openai needs LLM_MODEL' });
    }
  });
export type TriageConfig = z.infer<typeof TriageConfig>;
