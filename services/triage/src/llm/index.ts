export type { CopilotFacts } from './facts.ts';
export { evidenceIds, factorId, originalIds } from './facts.ts';
export { REDACTED_SECRET, isHighEntropyToken, redact, redactSecrets, redactWithTexts, redactionDefaults, restoreDeep } from './redact.ts';
export { ChatOutput, MAX_CHAT_ANSWER_CHARS, buildChatPrompt, checkChatOutput, parseChatOutput } from './chat.ts';
export type { ChatPrompt, ChatRemoval, ChatRemovalReason } from './chat.ts';
export type { PlaceholderKind, RedactOptions, Redaction } from './redact.ts';
export {
  DEFAULT_BUDGET_TOKENS,
  DEFAULT_MAX_UNTRUSTED_CHARS,
  MIN_BUDGET_TOKENS,
  buildPrompt,
  estimateMessagesTokens,
  estimateTokens,
  neutraliseFences,
} from './prompt.ts';
export type { BuildPromptOptions, ChatMessage, Prompt, PromptCut } from './prompt.ts';
export {
  CopilotOutput,
  RUNBOOK_TARGETS,
  RecommendedAction,
  checkOutput,
  copilotOutputJsonSchema,
  mapOutput,
  parseCopilotOutput,
  resolveRefs,
} from './output.ts';
export type { CheckedOutput, ParsedOutput, Removal, RemovalReason } from './output.ts';
export { copilotError, copilotFailureOf } from './errors.ts';
export type { CopilotFailure } from './errors.ts';
export { DEFAULT_MAX_OUTPUT_TOKENS, OpenAiCopilot, toCopilotError, usageOf } from './openai-copilot.ts';
export type {
  AzureOpenAiProvider,
  ChatAdvice,
  CopilotAdvice,
  CopilotUsage,
  OpenAiCompatibleProvider,
  OpenAiCopilotOptions,
  TokenPrices,
} from './openai-copilot.ts';
