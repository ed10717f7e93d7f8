import OpenAI, {
  APIConnectionError,
  APIConnectionTimeoutError,
  APIError,
  AuthenticationError,
  AzureOpenAI,
  BadRequestError,
  PermissionDeniedError,
  RateLimitError,
} from 'openai';
import type { AppError } from '@soc/runtime';
import { copilotError } from './errors.ts';
import { originalIds, type CopilotFacts } from './facts.ts';
import { checkOutput, copilotOutputJsonSchema, mapOutput, parseCopilotOutput, resolveRefs, type CopilotOutput, type Removal } from './output.ts';
import { DEFAULT_BUDGET_TOKENS, buildPrompt, type PromptCut } from './prompt.ts';
import { redact, redactSecrets, redactWithTexts, restoreDeep, type RedactOptions } from './redact.ts';
import { type ChatOutput, type ChatRemoval, buildChatPrompt, checkChatOutput, parseChatOutput } from './chat.ts';

/** Azure OpenAI: a deployment on a resource, authenticated by key or by an Entra ID token provider. */
export interface AzureOpenAiProvider {
  kind: 'azure';
  /** e.g. `https://contoso.openai.azure.com` */
  endpoint: string;
  deployment: string;
  apiVersion: string;
  apiKey?: string;
  /** Returns an Entra ID access token for `https://cognitiveservices.azure.com/.default`. */
  azureADTokenProvider?: () => Promise<string>;
}

/** Any OpenAI-compatible server: OpenAI, Ollama, vLLM, llama.cpp … */
export interface OpenAiCompatibleProvider {
  kind: 'openai-compatible';
  /** e.g. `http://localhost:11434/v1` for Ollama */
  baseURL: string;
  model: string;
  /** Local servers usually ignore it. */
  apiKey?: string;
}

/** Prices per 1,000 tokens, in the currency the operator reports costs in. */
export interface TokenPrices {
  promptPer1k: number;
  completionPer1k: number;
}

/** The model's output cap when `maxOutputTokens` is not set. */
export const DEFAULT_MAX_OUTPUT_TOKENS = 1200;

/** Options of {@link OpenAiCopilot}. */
export interface OpenAiCopilotOptions {
  provider: AzureOpenAiProvider | OpenAiCompatibleProvider;
  /** `json_schema` where the server supports structured output, else `json_object` (the answer is still checked with zod). */
  outputMode?: 'json_schema' | 'json_object';
  timeoutMs?: number;
  /** Retries inside the SDK; 0 by default, since the caller's breaker and the bus own retries. */
  maxRetries?: number;
  maxOutputTokens?: number;
  temperature?: number;
  budgetTokens?: number;
  redaction?: Partial<RedactOptions>;
  prices?: TokenPrices;
  /** Called once per completed call, e.g. to export metrics. */
  onUsage?: (usage: CopilotUsage) => void;
  /** A fence nonce per call; random by default. */
  nonce?: () => string;
}

/** Token usage and cost of one call. */
export interface CopilotUsage {
  model: string;
  promptTokens: number;
  completionTokens: number;
  totalTokens: number;
  /** From {@link TokenPrices}; undefined when no prices are configured. */
  cost: number | undefined;
}

/** The copilot's checked advice on one case, with values restored for the analyst. */
export interface CopilotAdvice {
  output: CopilotOutput;
  /** What the safety check removed from the model's answer, and why. */
  removed: Removal[];
  usage: CopilotUsage;
  prompt: { estimatedTokens: number; budgetTokens: number; cut: PromptCut[] };
}

/** The copilot's checked answer to a question about a case, with values and ids restored for the analyst. */
export interface ChatAdvice {
  /** `citations` are ids of the case's facts (entity, fact or `factor:<name>` ids), checked to exist. */
  output: ChatOutput;
  removed: ChatRemoval[];
  usage: CopilotUsage;
  prompt: { estimatedTokens: number; budgetTokens: number; cut: PromptCut[] };
}

/** Usage of a response; servers that report none count as zero. */
export function usageOf(
  model: string,
  usage: { prompt_tokens?: number; completion_tokens?: number; total_tokens?: number } | undefined,
  prices: TokenPrices | undefined,
): CopilotUsage {
  const promptTokens = usage?.prompt_tokens ?? 0;
  const completionTokens = usage?.completion_tokens ?? 0;
  const cost =
    prices === undefined
      ? undefined
      : Math.round(((promptTokens / 1000) * prices.promptPer1k + (completionTokens / 1000) * prices.completionPer1k) * 1e6) / 1e6;
  return { model, promptTokens, completionTokens, totalTokens: usage?.total_tokens ?? promptTokens + completionTokens, cost };
}

/** Translates an SDK error once, at the boundary, into a copilot {@link AppError} with a retry verdict. */
export function toCopilotError(error: unknown): AppError {
  // Order matters: the timeout error is a connection error, and both are API errors.
  if (error instanceof APIConnectionTimeoutError) return copilotError('timeout', 'The model did not answer in time', { cause: error });
  if (error instanceof APIConnectionError) return copilotError('unavailable', 'The model endpoint could not be reached', { cause: error });
  if (error instanceof RateLimitError) {
    const retryAfter = error.headers?.get('retry-after') ?? undefined;
    return copilotError('rate-limited', 'The model endpoint is rate limiting', { cause: error, details: { retryAfter } });
  }
  if (error instanceof AuthenticationError || error instanceof PermissionDeniedError) {
    return copilotError('unauthorized', `The model endpoint refused the credentials (${error.status})`, { cause: error });
  }
  if (error instanceof BadRequestError) {
    if (error.code === 'content_filter') return copilotError('content-filtered', 'The provider content filter blocked the prompt', { cause: error });
    return copilotError('rejected', 'The model endpoint rejected the request (400)', { cause: error });
  }
  if (error instanceof APIError) {
    return copilotError(error.status !== undefined && error.status >= 500 ? 'unavailable' : 'rejected', `The model endpoint answered ${error.status ?? 'without a status'}`, {
      cause: error,
    });
  }
  return copilotError('unavailable', 'The model call failed', { cause: error });
}

/**
 * The LLM copilot over the OpenAI SDK: Azure OpenAI, or any server with an OpenAI-compatible API. Redacts the case,
 * builds the fenced prompt, asks for JSON, validates and checks the answer against the facts, then restores the
 * placeholders. Errors are copilot {@link AppError}s that say timeout, rate limit or bad output.
 */
export class OpenAiCopilot {
  readonly model: string;
  private readonly client: OpenAI;
  private readonly options: OpenAiCopilotOptions;

  constructor(options: OpenAiCopilotOptions) {
    this.options = options;
    const common = { timeout: options.timeoutMs ?? 30_000, maxRetries: options.maxRetries ?? 0 };
    const p = options.provider;
    if (p.kind === 'azure') {
      this.model = p.deployment;
      this.client = new AzureOpenAI({
        ...common,
        endpoint: p.endpoint,
        deployment: p.deployment,
        apiVersion: p.apiVersion,
        ...(p.azureADTokenProvider === undefined ? { apiKey: p.apiKey } : { azureADTokenProvider: p.azureADTokenProvider }),
      });
    } else {
      this.model = p.model;
      // The SDK insists on a key; local servers ignore it.
      this.client = new OpenAI({ ...common, baseURL: p.baseURL, apiKey: p.apiKey ?? 'unused' });
    }
  }

  /**
   * The most one call about this case may cost: its prompt's estimated tokens plus the output cap. The copilot step
   * reserves it from the hourly budget before calling. Throws `over-budget` as `advise` would, without a call.
   */
  estimateTokens(facts: CopilotFacts): number {
    const prompt = buildPrompt(redact(facts, this.options.redaction).redacted, this.options.budgetTokens === undefined ? {} : { budgetTokens: this.options.budgetTokens });
    return prompt.estimatedTokens + (this.options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS);
  }

  /** The most one question about this case may cost (prompt estimate plus output cap), as {@link estimateTokens}. */
  estimateChatTokens(facts: CopilotFacts, question: string): number {
    const { redacted, texts } = redactWithTexts(facts, [question], this.options.redaction);
    const prompt = buildChatPrompt(redacted, texts[0] ?? '', { budgetTokens: this.options.budgetTokens ?? DEFAULT_BUDGET_TOKENS });
    return prompt.estimatedTokens + (this.options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS);
  }

  /**
   * Answers an analyst's question about one case from its facts only: facts and question redacted alike, the
   * question fenced like alert text, the answer parsed, its citations checked against the facts and its links and
   * markup cut, then restored. Throws a copilot AppError on failure, as {@link advise}.
   */
  async ask(facts: CopilotFacts, question: string, opts: { signal?: AbortSignal } = {}): Promise<ChatAdvice> {
    const { redacted, texts, restore } = redactWithTexts(facts, [question], this.options.redaction);
    const prompt = buildChatPrompt(redacted, texts[0] ?? '', {
      budgetTokens: this.options.budgetTokens ?? DEFAULT_BUDGET_TOKENS,
      ...(this.options.nonce === undefined ? {} : { nonce: this.options.nonce() }),
    });
    const { choice, usage } = await this.complete(prompt.messages, { type: 'json_object' as const }, opts.signal);
    const parsed = parseChatOutput(choice?.message.content);
    if (!parsed.ok) throw copilotError('bad-output', `The model's answer does not match the schema: ${parsed.problem}`, { details: { usage } });
    const checked = checkChatOutput(parsed.output, prompt.refs, redacted);
    const ids = originalIds(redacted, facts);
    // The model saw no secret (redacted), but may echo or make up one: the answer is checked once more, restored.
    const secrets = redactSecrets(restore(checked.output.answer));
    const removed = restoreDeep(checked.removed, restore);
    if (secrets.count > 0) removed.push({ path: 'answer', reason: 'secret-in-answer', value: `${secrets.count} secret-like value(s) replaced` });
    const output: ChatOutput = {
      answer: secrets.text,
      citations: checked.output.citations.map((id) => ids.get(id) ?? restore(id)),
      huntQuery: checked.output.huntQuery === null || checked.output.huntQuery === undefined ? null : restore(checked.output.huntQuery),
    };
    return { output, removed, usage, prompt: { estimatedTokens: prompt.estimatedTokens, budgetTokens: prompt.budgetTokens, cut: prompt.cut } };
  }

  /**
   * One chat completion, for advice and for case chat alike: the request, the usage (reported once), and the
   * provider's refusals (content filter, output cut at the token limit) as copilot errors.
   */
  private async complete(
    messages: OpenAI.Chat.Completions.ChatCompletionMessageParam[],
    response_format: OpenAI.Chat.Completions.ChatCompletionCreateParamsNonStreaming['response_format'],
    signal: AbortSignal | undefined,
  ): Promise<{ choice: OpenAI.Chat.Completions.ChatCompletion.Choice | undefined; usage: ReturnType<typeof usageOf> }> {
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(
        {
          model: this.model,
          messages,
          ...(response_format === undefined ? {} : { response_format }),
          temperature: this.options.temperature ?? 0,
          max_tokens: this.options.maxOutputTokens ?? DEFAULT_MAX_OUTPUT_TOKENS,
        },
        signal === undefined ? {} : { signal },
      );
    } catch (error) {
      throw toCopilotError(error);
    }
    const usage = usageOf(completion.model || this.model, completion.usage, this.options.prices);
    this.options.onUsage?.(usage);
    const choice = completion.choices[0];
    if (choice?.finish_reason === 'content_filter') throw copilotError('content-filtered', 'The provider content filter blocked the answer', { details: { usage } });
    if (choice?.finish_reason === 'length') throw copilotError('bad-output', 'The answer was cut at the output token limit', { details: { usage } });
    return { choice, usage };
  }

  /** Asks the model about one case. Throws a copilot AppError (timeout, rate-limited, bad-output …) on failure. */
  async advise(facts: CopilotFacts, opts: { signal?: AbortSignal } = {}): Promise<CopilotAdvice> {
    const { redacted, restore } = redact(facts, this.options.redaction);
    const prompt = buildPrompt(redacted, {
      ...(this.options.budgetTokens === undefined ? {} : { budgetTokens: this.options.budgetTokens }),
      ...(this.options.nonce === undefined ? {} : { nonce: this.options.nonce() }),
    });
    const response_format =
      (this.options.outputMode ?? 'json_schema') === 'json_schema'
        ? { type: 'json_schema' as const, json_schema: { name: 'copilot_output', schema: copilotOutputJsonSchema(), strict: false } }
        : { type: 'json_object' as const };

    const { choice, usage } = await this.complete(prompt.messages, response_format, opts.signal);
    const parsed = parseCopilotOutput(choice?.message.content);
    // The problem names schema paths only, never the answer's text, so it is safe to log.
    if (!parsed.ok) throw copilotError('bad-output', `The model's answer does not match the schema: ${parsed.problem}`, { details: { usage } });

    const checked = checkOutput(resolveRefs(parsed.output, prompt.refs), redacted);
    const ids = originalIds(redacted, facts);
    return {
      output: mapOutput(checked.output, { id: (id) => ids.get(id) ?? restore(id), text: restore }),
      removed: restoreDeep(checked.removed, restore),
      usage,
      prompt: { estimatedTokens: prompt.estimatedTokens, budgetTokens: prompt.budgetTokens, cut: prompt.cut },
    };
  }
}
