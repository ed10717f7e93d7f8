import { Counter, type Registry } from 'prom-client';
import { CHAT_OUTCOMES, type ChatOutcome } from './case-chat.ts';
import { COPILOT_OUTCOMES, type CopilotOutcome } from './copilot-step.ts';

/** `soc_llm_calls_total{outcome}`, every outcome's series present from the start so a rate never starts from nothing. */
export function countLlmCalls(registry: Registry): (outcome: CopilotOutcome) => void {
  const calls = new Counter({
    name: 'soc_llm_calls_total',
    help: 'Alerts through the LLM copilot step, by outcome: advised (a model call answered), cached, skipped (token budget), failed, breaker-open (no call made)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of COPILOT_OUTCOMES) calls.inc({ outcome }, 0);
  return (outcome) => calls.inc({ outcome });
}

/** `soc_llm_chat_answers_total{outcome}`: analysts' questions by how they were answered (case chat). */
export function countChatAnswers(registry: Registry): (outcome: ChatOutcome) => void {
  const answers = new Counter({
    name: 'soc_llm_chat_answers_total',
    help: 'Questions about a case, by how triage answered: answered (the model), templates (no model), skipped (token budget), failed, breaker-open (no call made)',
    labelNames: ['outcome'] as const,
    registers: [registry],
  });
  for (const outcome of CHAT_OUTCOMES) answers.inc({ outcome }, 0);
  return (outcome) => answers.inc({ outcome });
}
