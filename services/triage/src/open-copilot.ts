import { DefaultAzureCredential, getBearerTokenProvider } from '@azure/identity';
import { DEFAULT_VOLUME_THRESHOLD, breaker, concurrencyLimit } from '@soc/runtime';
import type { TriageConfig } from './config.ts';
import type { Copilot } from './copilot-step.ts';
import { OpenAiCopilot } from './llm/index.ts';

/** Model calls in the breaker's window before it may open. */
export const LLM_BREAKER_VOLUME = DEFAULT_VOLUME_THRESHOLD;

/**
 * The copilot the configuration selects, wrapped in a circuit breaker (a slow or failing model fails fast and the
 * deterministic triage stands), or undefined for `LLM_PROVIDER=none`. The breaker opens when more than half of the
 * calls of its window failed for the endpoint's sake, after {@link LLM_BREAKER_VOLUME} calls, and tries again after 30 s.
 */
export function openCopilot(config: TriageConfig): (Copilot & { close(): void }) | undefined {
  if (config.LLM_PROVIDER === 'none') return undefined;
  const prices =
    config.LLM_PRICE_PROMPT_PER_1K !== undefined && config.LLM_PRICE_COMPLETION_PER_1K !== undefined
      ? { promptPer1k: config.LLM_PRICE_PROMPT_PER_1K, completionPer1k: config.LLM_PRICE_COMPLETION_PER_1K }
      : undefined;
  const provider =
    config.LLM_PROVIDER === 'azure'
      ? {
          kind: 'azure' as const,
          endpoint: config.AZURE_OPENAI_ENDPOINT ?? '',
          deployment: config.AZURE_OPENAI_DEPLOYMENT ?? '',
          apiVersion: config.AZURE_OPENAI_API_VERSION,
          ...(config.AZURE_OPENAI_API_KEY !== undefined
            ? { apiKey: config.AZURE_OPENAI_API_KEY }
            : { azureADTokenProvider: getBearerTokenProvider(new DefaultAzureCredential(), 'https://cognitiveservices.azure.com/.default') }),
        }
      : { kind: 'openai-compatible' as const, baseURL: config.OPENAI_BASE_URL ?? '', model: config.LLM_MODEL ?? '', ...(config.OPENAI_API_KEY !== undefined ? { apiKey: config.OPENAI_API_KEY } : {}) };
  const copilot = new OpenAiCopilot({
    provider,
    timeoutMs: config.LLM_TIMEOUT_MS,
    budgetTokens: config.LLM_MAX_INPUT_TOKENS,
    redaction: { ips: config.LLM_REDACT_IPS ? 'redact' : 'keep', hostnames: 'redact' },
    ...(prices ? { prices } : {}),
  });
  const timeoutMs = config.LLM_TIMEOUT_MS + 1000;
  const guarded = breaker((facts: Parameters<OpenAiCopilot['advise']>[0]) => copilot.advise(facts), {
    name: 'llm',
    timeoutMs,
    capacity: 10_000,
    // Only the endpoint failing counts (timeouts, 429, 5xx, unreachable); a refused request, an answer that does not
    // validate or a case the prompt cannot take is that call's problem and never shuts the copilot off for others.
    volumeThreshold: LLM_BREAKER_VOLUME,
    // Model calls are slow and few (one per case group, LLM_MAX_CONCURRENCY at once): a window of several timeouts,
    // so an endpoint that hangs is seen failing LLM_BREAKER_VOLUME times.
    rollingWindowMs: Math.max(60_000, Math.ceil((3 * timeoutMs) / 10_000) * 10_000),
  });
  // Case chat on its own breaker (same settings): an analyst's questions never shut triage's advice off, nor the reverse.
  const guardedAsk = breaker((call: { facts: Parameters<OpenAiCopilot['ask']>[0]; question: string }) => copilot.ask(call.facts, call.question), {
    name: 'llm-chat',
    timeoutMs,
    capacity: 10_000,
    volumeThreshold: LLM_BREAKER_VOLUME,
    rollingWindowMs: Math.max(60_000, Math.ceil((3 * timeoutMs) / 10_000) * 10_000),
  });
  // Calls beyond the limit wait their turn instead of being refused: a refusal would count as a failure and open the
  // breaker during a storm of distinct case groups.
  const limit = concurrencyLimit(config.LLM_MAX_CONCURRENCY);
  return {
    model: copilot.model,
    estimateTokens: (facts) => copilot.estimateTokens(facts),
    advise: (facts) => limit(() => guarded(facts)),
    estimateChatTokens: (facts, question) => copilot.estimateChatTokens(facts, question),
    ask: (facts, question) => limit(() => guardedAsk({ facts, question })),
    close: () => {
      guarded.breaker.shutdown();
      guardedAsk.breaker.shutdown();
    },
  };
}

