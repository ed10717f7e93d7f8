import { z } from 'zod';

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
    LLM_MAX_INPUT_TOKENS: z.coerce.number().int().min(500).max(100_000).default(2500),
    LLM_TOKENS_PER_HOUR: z.coerce.number().int().min(1000).default(200_000),
    /** How long a case group's advice is reused. */
    LLM_CACHE_TTL_MINUTES: z.coerce.number().int().min(1).max(10_080).default(60),
    LLM_PRICE_PROMPT_PER_1K: z.coerce.number().min(0).optional(),
    LLM_PRICE_COMPLETION_PER_1K: z.coerce.number().min(0).optional(),
    /** Redact IP addresses from prompts (usernames, e-mail addresses and secrets always are). */
    LLM_REDACT_IPS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  })
  .superRefine((c, ctx) => {
    if (c.LLM_PROVIDER === 'azure') {
      if (c.AZURE_OPENAI_ENDPOINT === undefined) ctx.addIssue({ code: 'custom', path: ['AZURE_OPENAI_ENDPOINT'], message: 'LLM_PROVIDER=azure needs AZURE_OPENAI_ENDPOINT (https://<resource>.openai.azure.com)' });
      if (c.AZURE_OPENAI_DEPLOYMENT === undefined) ctx.addIssue({ code: 'custom', path: ['AZURE_OPENAI_DEPLOYMENT'], message: 'LLM_PROVIDER=azure needs AZURE_OPENAI_DEPLOYMENT' });
    }
    if (c.LLM_PROVIDER === 'openai') {
      if (c.OPENAI_BASE_URL === undefined) ctx.addIssue({ code: 'custom', path: ['OPENAI_BASE_URL'], message: 'LLM_PROVIDER=openai needs OPENAI_BASE_URL (e.g. https://api.openai.com/v1 or http://localhost:11434/v1)' });
      if (c.LLM_MODEL === undefined) ctx.addIssue({ code: 'custom', path: ['LLM_MODEL'], message: 'LLM_PROVIDER=openai needs LLM_MODEL' });
    }
  });
export type TriageConfig = z.infer<typeof TriageConfig>;
